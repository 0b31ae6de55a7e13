package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.BatchHandler;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

/**
 * The stream's lifecycle: stop is bounded and writes nothing, a stop during start-up sticks,
 * listeners see every change in order off the stream's threads, pause holds dispatch.
 */
class StreamLifecycleTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("lifecycle");
		database.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void stopGivesUpOnAHungHandlerAfterTheShutdownTimeoutAndNamesIt() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		BatchHandler hung = new BatchHandler() {

			@Override
			public void handle(TransactionBatch batch) throws Exception {
				entered.countDown();
				// ignores interrupts, as a handler stuck in a library call would
				while (!release.await(1, TimeUnit.DAYS)) {
				}
			}

			@Override
			public @Nullable String inProgress() {
				return "inventory.reserve";
			}

		};
		ListAppender<ILoggingEvent> log = capture();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "hung_pub")
			.tables("items")
			.shutdownTimeout(Duration.ofMillis(500))
			.handler(hung)
			.start()) {
			database.execute("INSERT INTO items VALUES (1, 'a')");
			assertThat(entered.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			assertTimeoutPreemptively(Duration.ofSeconds(20), () -> stream.stop());
			assertThat(stream.state()).isEqualTo(StreamState.STOPPED);
			assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
				.anySatisfy((line) -> assertThat(line).contains("'inventory.reserve'", "did not return"));
		}
		finally {
			release.countDown();
			detach(log);
		}
	}

	@Test
	void stoppingWritesNothingToTheDatabase() throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE PUBLICATION observer_pub FOR TABLE items");
			statement.execute("SELECT pg_create_logical_replication_slot('observer', 'pgoutput')");
			try {
				Recorder recorder = new Recorder();
				ChangeStream stream = ChangeStreamTests.stream(database, "quiet_pub").tables("items").handler(recorder)
					.start();
				database.execute("INSERT INTO items VALUES (2, 'b')");
				await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
				stream.stop();
				// every WAL record written since the observer slot was created: the insert, nothing of the stop
				try (ResultSet rows = statement.executeQuery("""
						SELECT count(*) FILTER (WHERE get_byte(data, 0) = ascii('M')),
						       count(*) FILTER (WHERE get_byte(data, 0) = ascii('I'))
						FROM pg_logical_slot_peek_binary_changes('observer', NULL, NULL, 'proto_version', '1',
						    'publication_names', 'observer_pub', 'messages', 'true')""")) {
					rows.next();
					assertThat(rows.getLong(2)).as("the insert is seen").isEqualTo(1);
					assertThat(rows.getLong(1)).as("logical messages written by stopping").isZero();
				}
			}
			finally {
				statement.execute("SELECT pg_drop_replication_slot('observer')");
				statement.execute("DROP PUBLICATION observer_pub");
			}
		}
	}

	@Test
	void aStopWhileTheSlotIsBeingCreatedSticksAndCreatesNoSlot() throws Exception {
		List<StreamState> states = new CopyOnWriteArrayList<>();
		try (Connection blocker = database.connect(); Statement open = blocker.createStatement()) {
			// creating a slot waits for every transaction with an xid open at that moment
			blocker.setAutoCommit(false);
			open.execute("SELECT txid_current()");
			ChangeStream stream = ChangeStreamTests.stream(database, "race_pub")
				.tables("items")
				.durable(true)
				.slot("race_slot")
				.startupWait(Duration.ofMillis(300))
				.listener((previous, current, cause) -> states.add(current))
				.handler((batch) -> {
				})
				.start();
			assertThat(stream.state()).isEqualTo(StreamState.STARTING);
			assertTimeoutPreemptively(Duration.ofSeconds(20), () -> stream.stop());
			assertThat(stream.state()).isEqualTo(StreamState.STOPPED);
			blocker.commit();
			await().atMost(TIMEOUT).until(() -> states.contains(StreamState.STOPPED));
			// had the creation gone on, the slot would appear within milliseconds of the commit
			await().during(Duration.ofSeconds(2)).atMost(TIMEOUT).until(() -> !slotExists("race_slot"));
			assertThat(stream.state()).isEqualTo(StreamState.STOPPED);
			assertThat(states).containsExactly(StreamState.STARTING, StreamState.STOPPED);
		}
		finally {
			if (slotExists("race_slot")) {
				database.execute("SELECT pg_drop_replication_slot('race_slot')");
			}
		}
	}

	@Test
	void listenersSeeEveryChangeOnceInOrderAndNeverOnTheStreamsThreads() throws Exception {
		List<String> seen = new CopyOnWriteArrayList<>();
		List<String> threads = new CopyOnWriteArrayList<>();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "listen_pub")
			.tables("items")
			.applicationName("listener_test")
			.backOff(new org.springframework.util.backoff.FixedBackOff(50, Long.MAX_VALUE))
			.listener((previous, current, cause) -> {
				seen.add(previous + ">" + current);
				threads.add(Thread.currentThread().getName());
			})
			.handler((batch) -> {
			})
			.start()) {
			// the reader notices the lost session and reconnects: changes made on the reader thread
			await().atMost(TIMEOUT).until(() -> seen.contains("STARTING>STREAMING"));
			try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
				statement.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
						+ " WHERE slot_name = '" + stream.slot() + "'");
			}
			await().atMost(TIMEOUT).until(() -> seen.contains("RECONNECTING>STREAMING"));
			stream.stop();
			await().atMost(TIMEOUT).until(() -> seen.get(seen.size() - 1).endsWith(">STOPPED"));
		}
		assertThat(seen.get(0)).isEqualTo("STOPPED>STARTING");
		for (int i = 1; i < seen.size(); i++) {
			String before = seen.get(i - 1);
			assertThat(seen.get(i)).as("in order, each once: %s", seen)
				.startsWith(before.substring(before.indexOf('>') + 1) + ">");
		}
		assertThat(threads).noneMatch((name) -> name.startsWith("pgcdc-read-") || name.startsWith("pgcdc-dispatch-"));
	}

	@Test
	void aPausedStreamDeliversAndAcknowledgesNothingUntilResumed() throws Exception {
		Recorder recorder = new Recorder();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "pause_pub")
			.tables("items")
			.handler(recorder)
			.start()) {
			stream.pause();
			await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.PAUSED);
			database.execute("INSERT INTO items VALUES (10, 'paused')");
			long commit = WalPositions.insertPosition(database);
			await().atMost(TIMEOUT).until(() -> stream.status().receivedLsn() != null
					&& WalPositions.lsn(stream.status().receivedLsn()) >= commit);
			await().during(Duration.ofSeconds(1)).atMost(TIMEOUT).until(() -> recorder.changes().isEmpty());
			String flushed = stream.status().flushedLsn();
			assertThat(flushed == null || WalPositions.lsn(flushed) < commit)
				.as("nothing past the paused change is acknowledged: %s", flushed)
				.isTrue();
			stream.resume();
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
		}
	}

	private static boolean slotExists(String slot) throws SQLException {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection
					.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet row = statement.executeQuery()) {
				return row.next();
			}
		}
	}

	private static ListAppender<ILoggingEvent> capture() {
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		((Logger) LoggerFactory.getLogger(ChangeStream.class)).addAppender(appender);
		return appender;
	}

	private static void detach(ListAppender<ILoggingEvent> appender) {
		((Logger) LoggerFactory.getLogger(ChangeStream.class)).detachAppender(appender);
	}

}
