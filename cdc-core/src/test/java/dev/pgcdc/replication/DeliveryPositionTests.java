package dev.pgcdc.replication;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.EventPosition;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;
import org.springframework.util.backoff.FixedBackOff;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static dev.pgcdc.replication.ChangeStreamTests.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link ChangeEvent#position()} and {@link ChangeStream#awaitCaughtUp(Duration)} on a real
 * server.
 */
class DeliveryPositionTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("delivery");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void positionsAreUniqueAndSortInDeliveryOrder() {
		database.execute("CREATE TABLE ledger (id int PRIMARY KEY, amount int)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "ledger_pub").tables("ledger").handler(recorder).start()) {
			database.execute("INSERT INTO ledger VALUES (1, 10)");
			database.execute("BEGIN; INSERT INTO ledger VALUES (2, 20); INSERT INTO ledger VALUES (3, 30);"
					+ " SELECT pg_logical_emit_message(true, 'audit', 'x'); UPDATE ledger SET amount = 31 WHERE id = 3;"
					+ " DELETE FROM ledger WHERE id = 1; COMMIT");
			database.execute("UPDATE ledger SET amount = 21 WHERE id = 2");
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			List<ChangeEvent> events = recorder.changes();
			assertThat(events).hasSize(6);
			List<String> positions = events.stream().map(ChangeEvent::position).toList();
			assertThat(positions).isSorted().doesNotHaveDuplicates();
			for (ChangeEvent event : events) {
				assertThat(EventPosition.commitLsn(event.position()))
					.isEqualTo(LogSequenceNumber.valueOf(event.lsn()).asLong());
			}
			// the second transaction: two inserts, the message (index 2), the update and the delete
			assertThat(positions.subList(1, 5)).extracting(EventPosition::index).containsExactly(0, 1, 3, 4);
			assertThat(EventPosition.index(positions.get(5))).isZero();
		}
	}

	@Test
	void redeliveredEventsKeepTheirPositions() {
		database.execute("CREATE TABLE transfers (id int PRIMARY KEY)");
		List<String> firstSeen = new CopyOnWriteArrayList<>();
		try (ChangeStream stream = durable("transfers").onEvent((event) -> {
			firstSeen.add(((ChangeEvent) event).position());
			if (text(((ChangeEvent) event).newRecord().get("id")).equals("3")) {
				throw new IllegalStateException("not now");
			}
		}).start()) {
			database.execute("INSERT INTO transfers VALUES (1)",
					"BEGIN; INSERT INTO transfers VALUES (2); INSERT INTO transfers VALUES (3); COMMIT");
			await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.FAILED);
		}
		Recorder again = new Recorder();
		try (ChangeStream stream = durable("transfers").handler(again).start()) {
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			// the failed transaction comes again from its beginning, with the same positions
			assertThat(again.changes()).extracting(ChangeEvent::position).containsExactly(firstSeen.get(1),
					firstSeen.get(2));
		}
	}

	@Test
	void awaitCaughtUpReturnsOnceEveryEarlierChangeWasHandled() throws Exception {
		database.execute("CREATE TABLE parcels (id int PRIMARY KEY)");
		CountDownLatch release = new CountDownLatch(1);
		List<String> handled = new CopyOnWriteArrayList<>();
		try (ChangeStream stream = stream(database, "parcels_pub").tables("parcels").onEvent((event) -> {
			try {
				release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			handled.add(text(((ChangeEvent) event).newRecord().get("id")));
		}).start()) {
			database.execute("INSERT INTO parcels VALUES (1)", "INSERT INTO parcels VALUES (2)");
			// the handler is held: not caught up
			assertThat(stream.awaitCaughtUp(Duration.ofMillis(300))).isFalse();
			release.countDown();
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			// no waiting of our own: what was committed before the call has been handled
			assertThat(handled).containsExactly("1", "2");
		}
	}

	@Test
	void awaitCaughtUpOnAnIdleStreamFollowsUnrelatedWalPromptly() {
		database.execute("CREATE TABLE watched (id int PRIMARY KEY)", "CREATE TABLE unwatched (id int PRIMARY KEY)");
		try (ChangeStream stream = stream(database, "watched_pub").tables("watched").handler(new Recorder()).start()) {
			database.execute("INSERT INTO unwatched SELECT generate_series(1, 1000)");
			// nothing for the handler; the server's own keepalive would come only after half of
			// wal_sender_timeout (30 s): the stream asks for it
			assertThat(stream.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
		}
	}

	@Test
	void awaitCaughtUpIsFalseWhenNotRunningOrPaused() {
		database.execute("CREATE TABLE crates (id int PRIMARY KEY)");
		Recorder recorder = new Recorder();
		ChangeStream stream = stream(database, "crates_pub").tables("crates").handler(recorder).start();
		try {
			stream.pause();
			await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.PAUSED);
			database.execute("INSERT INTO crates VALUES (1)");
			assertThat(stream.awaitCaughtUp(Duration.ofMillis(500))).isFalse();
			stream.resume();
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			assertThat(recorder.changes()).hasSize(1);
		}
		finally {
			stream.stop();
		}
		assertThat(stream.awaitCaughtUp(TIMEOUT)).isFalse();
	}

	@Test
	void targetIsTheEndOfTheLastRecordNotTheStartOfTheNextPage() {
		long segment = 16L * 1024 * 1024;
		assertThat(ChangeStream.lastRecordEnd(3 * 8192 + 24, 8192, segment)).isEqualTo(3 * 8192);
		assertThat(ChangeStream.lastRecordEnd(2 * segment + 40, 8192, segment)).isEqualTo(2 * segment);
		assertThat(ChangeStream.lastRecordEnd(3 * 8192 + 200, 8192, segment)).isEqualTo(3 * 8192 + 200);
	}

	private static ChangeStreamBuilder durable(String table) {
		return stream(database, table + "_pub").tables(table)
			.slot(table + "_slot")
			.durable(true)
			.backOff(new FixedBackOff(100, FixedBackOff.UNLIMITED_ATTEMPTS));
	}

}
