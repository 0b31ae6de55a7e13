package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.event.ChangeEvent;
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
 * Durable slots: at-least-once across restarts, handler failures, connection loss, and
 * several consumers of one slot.
 */
class DurableSlotTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("durable");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	private static ChangeStreamBuilder durable(String table, String slot) {
		return stream(database, table + "_pub").tables(table)
			.slot(slot)
			.durable(true)
			.backOff(new FixedBackOff(100, FixedBackOff.UNLIMITED_ATTEMPTS));
	}

	@Test
	void restartDeliversWhatChangedMeanwhileAndNothingAcknowledgedAgain() throws Exception {
		database.execute("CREATE TABLE orders (id int PRIMARY KEY)");
		Recorder before = new Recorder();
		String handled;
		try (ChangeStream stream = durable("orders", "orders_slot").handler(before).start()) {
			database.execute("INSERT INTO orders VALUES (1)", "INSERT INTO orders VALUES (2)",
					"INSERT INTO orders VALUES (3)");
			await().atMost(TIMEOUT).until(() -> stream.status().transactions() == 3);
			handled = stream.status().flushedLsn();
		}
		// stop() confirms what was handled even if no status update carried it yet
		assertThat(LogSequenceNumber.valueOf(confirmedFlush("orders_slot")).asLong())
			.isGreaterThanOrEqualTo(LogSequenceNumber.valueOf(handled).asLong());
		database.execute("INSERT INTO orders VALUES (4)", "UPDATE orders SET id = 5 WHERE id = 4",
				"DELETE FROM orders WHERE id = 1");
		Recorder after = new Recorder();
		try (ChangeStream stream = durable("orders", "orders_slot").handler(after).start()) {
			database.execute("INSERT INTO orders VALUES (6)");
			await().atMost(TIMEOUT).until(() -> after.changes().size() >= 4);
			assertThat(after.changes()).extracting((event) -> text(event.record().get("id")))
				.containsExactly("4", "5", "1", "6");
		}
	}

	@Test
	void failingHandlerStopsWithoutAcknowledgingAndTheTransactionComesAgain() {
		database.execute("CREATE TABLE payments (id int PRIMARY KEY)");
		List<StreamState> states = new CopyOnWriteArrayList<>();
		try (ChangeStream stream = durable("payments", "payments_slot").listener((from, to, cause) -> states.add(to))
			.onEvent((event) -> {
				if (text(event.newRecord().get("id")).equals("2")) {
					throw new IllegalStateException("cannot handle payment 2");
				}
			})
			.start()) {
			database.execute("INSERT INTO payments VALUES (1)", "INSERT INTO payments VALUES (2)",
					"INSERT INTO payments VALUES (3)");
			await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.FAILED);
			assertThat(stream.status().lastError()).contains("cannot handle payment 2");
			assertThat(stream.status().lastErrorTime()).isNotNull();
			assertThat(states).containsSubsequence(StreamState.STREAMING, StreamState.FAILED);
		}
		Recorder again = new Recorder();
		try (ChangeStream stream = durable("payments", "payments_slot").handler(again).start()) {
			await().atMost(TIMEOUT).until(() -> again.changes().size() == 2);
			assertThat(again.changes()).extracting((event) -> text(event.newRecord().get("id"))).containsExactly("2", "3");
		}
	}

	@Test
	void connectionLossReconnectsAndResumesWithoutLossOrRepeats() throws Exception {
		database.execute("CREATE TABLE shipments (id int PRIMARY KEY)");
		Recorder recorder = new Recorder();
		List<StreamState> states = new CopyOnWriteArrayList<>();
		try (ChangeStream stream = durable("shipments", "shipments_slot").listener((from, to, cause) -> states.add(to))
			.handler(recorder)
			.start()) {
			database.execute("INSERT INTO shipments VALUES (1)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
			terminateWalsender("shipments_slot");
			database.execute("INSERT INTO shipments VALUES (2)");
			await().atMost(TIMEOUT).until(() -> stream.status().reconnects() >= 1 && recorder.changes().size() >= 2);
			database.execute("INSERT INTO shipments VALUES (3)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() >= 3);
			assertThat(recorder.changes()).extracting((event) -> text(event.newRecord().get("id")))
				.containsExactly("1", "2", "3");
			assertThat(states).containsSubsequence(StreamState.STREAMING, StreamState.RECONNECTING, StreamState.STREAMING);
		}
	}

	@Test
	void temporarySlotReconnectsOnANewSlot() throws Exception {
		database.execute("CREATE TABLE pulses (id int PRIMARY KEY)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "pulses_pub").tables("pulses")
			.backOff(new FixedBackOff(100, FixedBackOff.UNLIMITED_ATTEMPTS))
			.handler(recorder)
			.start()) {
			terminateWalsender(stream.slot());
			await().atMost(TIMEOUT).until(() -> stream.status().reconnects() >= 1 && stream.state() == StreamState.STREAMING);
			database.execute("INSERT INTO pulses VALUES (1)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
		}
	}

	@Test
	void secondConsumerOfASlotStandsByAndTakesOver() {
		database.execute("CREATE TABLE tasks (id int PRIMARY KEY)");
		Recorder first = new Recorder();
		Recorder second = new Recorder();
		ChangeStream active = durable("tasks", "tasks_slot").applicationName("first-instance").handler(first).start();
		try (ChangeStream standby = durable("tasks", "tasks_slot").applicationName("second-instance")
			.handler(second)
			.start()) {
			assertThat(standby.state()).isEqualTo(StreamState.STANDBY);
			assertThat(standby.status().lastError()).contains("tasks_slot is held by pid")
				.contains("first-instance");
			database.execute("INSERT INTO tasks VALUES (1)");
			await().atMost(TIMEOUT).until(() -> first.changes().size() == 1);
			active.stop();
			await().atMost(TIMEOUT).until(() -> standby.state() == StreamState.STREAMING);
			database.execute("INSERT INTO tasks VALUES (2)");
			await().atMost(TIMEOUT).until(() -> second.changes().size() == 1);
			assertThat(text(second.changes().get(0).newRecord().get("id"))).isEqualTo("2");
		}
		finally {
			active.stop();
		}
	}

	private static String confirmedFlush(String slot) throws Exception {
		try (Connection connection = database.connect(); PreparedStatement statement = connection.prepareStatement(
				"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (var row = statement.executeQuery()) {
				row.next();
				return row.getString(1);
			}
		}
	}

	private static void terminateWalsender(String slot) throws Exception {
		try (Connection connection = database.connect(); PreparedStatement statement = connection.prepareStatement(
				"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			statement.execute();
		}
	}

}
