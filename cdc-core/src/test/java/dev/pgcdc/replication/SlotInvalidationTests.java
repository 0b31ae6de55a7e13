package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import dev.pgcdc.snapshot.SnapshotMode;
import dev.pgcdc.snapshot.SnapshotOptions;
import dev.pgcdc.snapshot.SnapshotStatus;
import dev.pgcdc.test.DedicatedPostgres;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.FixedBackOff;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static dev.pgcdc.replication.ChangeStreamTests.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A durable slot the server invalidates for real: a server of its own keeps at most 1 MB of WAL
 * for slots ({@code max_slot_wal_keep_size}), the consumer is paused with a change waiting, and
 * the WAL is pushed past that limit (segment switches and checkpoints). Then the stream fails
 * naming the cause and the fix, or, with {@code RECREATE}, streams on from a new slot.
 */
class SlotInvalidationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(90);

	private static DedicatedPostgres server;

	@BeforeAll
	static void startServer() {
		server = TestPostgres.startDedicated(Map.of("max_slot_wal_keep_size", "1MB"));
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	void anInvalidatedSlotFailsTheStreamNamingTheCauseAndTheFix() throws Exception {
		try (TestDatabase database = server.createDatabase("invalidated")) {
			database.execute("CREATE TABLE orders (id int PRIMARY KEY)", "CREATE TABLE filler (payload text)");
			Recorder recorder = new Recorder();
			try (ChangeStream stream = durable(database, "orders_slot").handler(recorder).start()) {
				database.execute("INSERT INTO orders VALUES (1)");
				await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
				// asked in the background: known soon, never waited for
				await().atMost(TIMEOUT).until(() -> "reserved".equals(stream.slotHealth().walStatus()));
				assertThat(stream.slotHealth().invalidated()).isFalse();
				assertThat(stream.slotHealth().retainedBytes()).isPositive();
				invalidateWhilePaused(stream, database, "orders_slot");
				await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.FAILED);
				assertThat(stream.status().lastError()).contains("orders_slot was invalidated by the server")
					.contains("wal_status lost")
					.contains("max_slot_wal_keep_size")
					.contains("cdc.slot.on-invalidated=recreate")
					.contains("pg_drop_replication_slot('orders_slot')");
				await().atMost(TIMEOUT).until(() -> stream.slotHealth().invalidated());
				assertThat(stream.slotHealth().walStatus()).isEqualTo("lost");
				assertThat(stream.slotHealth().invalidationReason()).isNotNull();
			}
			// a new start on the invalidated slot fails at once, the same way
			assertThatExceptionOfType(SlotInvalidatedException.class)
				.isThrownBy(() -> durable(database, "orders_slot").handler(recorder).start())
				.withMessageContaining("cdc.slot.on-invalidated=recreate")
				.satisfies((ex) -> assertThat(ex.slot()).isEqualTo("orders_slot"));
		}
	}

	@Test
	void withRecreateTheStreamGoesOnFromANewSlot() throws Exception {
		try (TestDatabase database = server.createDatabase("recreated")) {
			database.execute("CREATE TABLE orders (id int PRIMARY KEY)", "CREATE TABLE filler (payload text)");
			Recorder recorder = new Recorder();
			try (ChangeStream stream = durable(database, "orders_slot").onInvalidatedSlot(InvalidatedSlotPolicy.RECREATE)
				.handler(recorder)
				.start()) {
				database.execute("INSERT INTO orders VALUES (1)");
				await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
				long reconnects = stream.status().reconnects();
				invalidateWhilePaused(stream, database, "orders_slot");
				await().atMost(TIMEOUT).until(() -> stream.status().reconnects() > reconnects
						&& stream.state() == StreamState.STREAMING && !"lost".equals(walStatus(database, "orders_slot")));
				database.execute("INSERT INTO orders VALUES (3)");
				await().atMost(TIMEOUT)
					.until(() -> recorder.changes().stream().anyMatch((event) -> "3".equals(text(event.newRecord().get("id")))));
				assertThat(walStatus(database, "orders_slot")).isIn("reserved", "extended");
				assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			}
		}
	}

	@Test
	void aSlotCreatedAnewIsSnapshottedWithWhenNeededButNotWithInitial() throws Exception {
		for (SnapshotMode mode : List.of(SnapshotMode.WHEN_NEEDED, SnapshotMode.INITIAL)) {
			try (TestDatabase database = server.createDatabase("resnapshot_" + mode.name().toLowerCase())) {
				database.execute("CREATE TABLE orders (id int PRIMARY KEY)", "CREATE TABLE filler (payload text)",
						"INSERT INTO orders VALUES (1)");
				Recorder recorder = new Recorder();
				TableName orders = TableName.parse("orders");
				try (ChangeStream stream = durable(database, "orders_slot")
					.onInvalidatedSlot(InvalidatedSlotPolicy.RECREATE)
					.snapshots(new SnapshotOptions(mode, 100, (table) -> true, SnapshotOptions.DEFAULT_PROGRESS_TABLE))
					.handler(recorder)
					.start()) {
					await().atMost(TIMEOUT).until(() -> stream.snapshots().status(orders)
						.filter((status) -> status.state() == SnapshotStatus.State.DONE)
						.isPresent());
					Instant first = stream.snapshots().status(orders).orElseThrow().startedAt();
					long reconnects = stream.status().reconnects();
					// row 2 is committed while paused and lost with the invalidated slot
					invalidateWhilePaused(stream, database, "orders_slot");
					await().atMost(TIMEOUT).until(() -> stream.status().reconnects() > reconnects
							&& stream.state() == StreamState.STREAMING
							&& !"lost".equals(walStatus(database, "orders_slot")));
					if (mode == SnapshotMode.WHEN_NEEDED) {
						// the new slot's snapshot makes up for what was lost
						await().atMost(TIMEOUT).until(() -> recorder.changes().stream()
							.anyMatch((event) -> event.operation() == Operation.SNAPSHOT
									&& "2".equals(text(event.newRecord().get("id")))));
						assertThat(stream.snapshots().status(orders).orElseThrow().startedAt()).isAfter(first);
					}
					else {
						// initial: only when pgcdc created the slot the first time (queued before the new
						// slot is created, so already visible here if it had happened)
						assertThat(stream.snapshots().status(orders).orElseThrow().startedAt()).isEqualTo(first);
					}
				}
			}
		}
	}

	private static ChangeStreamBuilder durable(TestDatabase database, String slot) {
		return stream(database, "orders_pub").tables("orders")
			.slot(slot)
			.durable(true)
			.backOff(new FixedBackOff(100, FixedBackOff.UNLIMITED_ATTEMPTS));
	}

	/**
	 * Pause the stream with a change waiting behind the pause (so the slot cannot move on), push
	 * the WAL past {@code max_slot_wal_keep_size} until the server invalidates the slot, resume.
	 */
	private static void invalidateWhilePaused(ChangeStream stream, TestDatabase database, String slot) {
		stream.pause();
		await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.PAUSED);
		database.execute("INSERT INTO orders VALUES (2)");
		await().atMost(TIMEOUT).until(() -> {
			database.execute("INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, 1000)",
					"SELECT pg_switch_wal()", "INSERT INTO filler VALUES ('x')", "SELECT pg_switch_wal()", "CHECKPOINT");
			return "lost".equals(walStatus(database, slot));
		});
		stream.resume();
	}

	private static String walStatus(TestDatabase database, String slot) throws SQLException {
		try (Connection connection = database.connect(); PreparedStatement statement = connection
			.prepareStatement("SELECT wal_status FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet row = statement.executeQuery()) {
				return row.next() ? row.getString(1) : null;
			}
		}
	}

}
