package dev.pgcdc.live;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.Operation;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/** Live queries on a real server: resets, shapes relative to moves, trigger columns, bad input. */
class LiveQueriesTests {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("live_queries");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void cutReplicationConnectionResetsEveryQueryAndTheOracleHoldsAfter() throws Exception {
		database.execute(TodoWriter.create("cut_todos"));
		try (LiveFixture fixture = new LiveFixture(database, LiveQueryOptions.defaults(),
				ChangeStream.builder().backOff(new org.springframework.util.backoff.FixedBackOff(100, Long.MAX_VALUE)),
				"cut_todos"); TodoWriter writer = new TodoWriter(database, "cut_todos", 20, 500, 11)) {
			writer.seed(500);
			List<LiveQueriesOracleTests.Opened> opened = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				opened.add(LiveQueriesOracleTests.open(fixture.live, i, "cut_todos", 20));
			}
			// every query showed its rows: a reset now must reach each one (a query still reading its
			// first snapshot just reads it again, without a reset)
			await().atMost(LiveFixture.TIMEOUT).until(() -> opened.stream().allMatch((query) -> query.view().snapshots.get() > 0));
			writer.start();
			await().atMost(LiveFixture.TIMEOUT).until(() -> writer.operations() > 200);
			String slot = fixture.stream().slot();
			await().atMost(LiveFixture.TIMEOUT).until(() -> terminateWalSender(slot));
			await().atMost(LiveFixture.TIMEOUT)
				.until(() -> opened.stream().allMatch((query) -> query.view().resets.get() > 0));
			long target = writer.operations() + 300;
			await().atMost(LiveFixture.TIMEOUT).until(() -> writer.operations() >= target);
			writer.close();
			LiveQueriesOracleTests.assertOracle(fixture, opened);
			assertThat(opened).allMatch((query) -> query.view().snapshots.get() >= 2);
		}
	}

	private static boolean terminateWalSender(String slot) throws Exception {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection.prepareStatement(
						"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ? AND active_pid IS NOT NULL")) {
			statement.setString(1, slot);
			try (ResultSet result = statement.executeQuery()) {
				return result.next() && result.getBoolean(1);
			}
		}
	}

	@Test
	void changesAreRelativeToTheShapeAndTriggerColumnsFilterUpdates() throws Exception {
		database.execute("CREATE TABLE moves (id int PRIMARY KEY, owner int NOT NULL, title text, done boolean, note text)",
				"INSERT INTO moves VALUES (1, 1, 'a', false, 'x'), (2, 2, 'b', false, 'y')");
		try (LiveFixture fixture = new LiveFixture(database, LiveQueryOptions.defaults(), "moves")) {
			Recorder one = new Recorder();
			Recorder projected = new Recorder();
			Recorder triggered = new Recorder();
			fixture.live.subscribe(Shape.of("moves").where("owner", 1), one);
			fixture.live.subscribe(Shape.of("moves").where("owner", 1).columns("title"), projected);
			fixture.live.subscribe(Shape.of("moves").where("owner", 1).onChangeOf("done"), triggered);
			fixture.awaitDelivered();
			assertThat(one.snapshot).hasSize(1);
			assertThat(projected.snapshot).containsExactly(Map.of("id", 1, "title", "a"));
			database.execute("UPDATE moves SET note = 'x2' WHERE id = 1", "UPDATE moves SET title = 'a2' WHERE id = 1",
					"UPDATE moves SET done = true WHERE id = 1", "UPDATE moves SET owner = 1 WHERE id = 2",
					"UPDATE moves SET owner = 2 WHERE id = 1", "UPDATE moves SET title = 'other' WHERE id = 1",
					"DELETE FROM moves WHERE id = 2");
			fixture.awaitDelivered();
			assertThat(one.operations()).containsExactly("UPDATE 1", "UPDATE 1", "UPDATE 1", "INSERT 2", "DELETE 1",
					"DELETE 2");
			// the note is not projected: its update is not delivered
			assertThat(projected.operations()).containsExactly("UPDATE 1", "INSERT 2", "DELETE 1", "DELETE 2");
			assertThat(projected.changes.get(0).row()).isEqualTo(Map.of("id", 1, "title", "a2"));
			assertThat(projected.changes.get(0).oldRow()).isEqualTo(Map.of("id", 1, "title", "a"));
			// moving in and out is always delivered; updates staying in only when done changes
			assertThat(triggered.operations()).containsExactly("UPDATE 1", "INSERT 2", "DELETE 1", "DELETE 2");
			assertThat(one.changes.get(4).row()).containsEntry("owner", 1).containsEntry("id", 1);
			assertThat(one.changes).allMatch((change) -> change.commitTimestamp() != null);
		}
	}

	@Test
	void fluxSendsSnapshotAndChangeEventsAndClosesTheQueryWhenCancelled() throws Exception {
		database.execute("CREATE TABLE fluxed (id int PRIMARY KEY, owner int NOT NULL)", "INSERT INTO fluxed VALUES (1, 1)");
		LiveQueryOptions notRetained = new LiveQueryOptions(LiveQueryOptions.DEFAULT_BUFFER_SIZE, 2, Duration.ZERO, 0,
				null, LiveQueryOptions.DEFAULT_SSE_HEARTBEAT);
		try (LiveFixture fixture = new LiveFixture(database, notRetained, "fluxed")) {
			List<org.springframework.http.codec.ServerSentEvent<?>> events = new java.util.concurrent.CopyOnWriteArrayList<>();
			assertThatIllegalArgumentException().isThrownBy(() -> fixture.live.flux(Shape.of("fluxed").where("nope", 1)));
			reactor.core.Disposable subscription = fixture.live.flux(Shape.of("fluxed").where("owner", 1))
				.subscribe(events::add);
			await().atMost(LiveFixture.TIMEOUT).until(() -> events.size() == 1);
			database.execute("INSERT INTO fluxed VALUES (2, 1), (3, 2)");
			await().atMost(LiveFixture.TIMEOUT).until(() -> events.size() == 2);
			assertThat(events.get(0).event()).isEqualTo("snapshot");
			assertThat(events.get(1).event()).isEqualTo("change");
			ShapeChange change = (ShapeChange) events.get(1).data();
			assertThat(change.row()).containsEntry("id", 2);
			assertThat(events.get(1).id()).isEqualTo(change.position());
			assertThat(fixture.live.openQueries()).isOne();
			subscription.dispose();
			// released on the timer thread, not in Reactor's cancel
			await().atMost(LiveFixture.TIMEOUT).until(() -> fixture.live.openQueries() == 0);
		}
	}

	@Test
	void slowListenerIsResetWithoutHoldingTheStream() throws Exception {
		database.execute("CREATE TABLE slow (id int PRIMARY KEY, owner int NOT NULL)");
		LiveQueryOptions options = new LiveQueryOptions(5, 2, Duration.ZERO, 0, null, Duration.ofSeconds(15));
		try (LiveFixture fixture = new LiveFixture(database, options, "slow")) {
			CountDownLatch release = new CountDownLatch(1);
			Recorder slow = new Recorder() {
				@Override
				public void onSnapshot(List<Map<String, @Nullable Object>> rows, String position) {
					super.onSnapshot(rows, position);
					if (this.snapshots == 1) {
						block(release);
					}
				}
			};
			Recorder fast = new Recorder();
			fixture.live.subscribe(Shape.of("slow").where("owner", 1), slow);
			fixture.live.subscribe(Shape.of("slow").where("owner", 1), fast);
			await().atMost(LiveFixture.TIMEOUT).until(() -> slow.snapshots == 1 && fast.snapshots == 1);
			// the stream and the other query go on while one listener is stuck; one change at a time, so the
			// other query's buffer never fills however slowly its thread is scheduled on a busy machine
			for (int i = 0; i < 20; i++) {
				database.execute("INSERT INTO slow VALUES (" + i + ", 1)");
				int expected = i + 1;
				await().atMost(LiveFixture.TIMEOUT).until(() -> fast.changes.size() == expected);
			}
			assertThat(fixture.subscriptions.awaitCaughtUp(LiveFixture.TIMEOUT)).isTrue();
			release.countDown();
			fixture.awaitDelivered();
			assertThat(slow.resets).containsExactly("the listener fell behind: more than 5 changes waiting");
			assertThat(slow.snapshot).hasSize(20);
			assertThat(fast.resets).isEmpty();
		}
	}

	@Test
	void tableOfAShapeIsAddedToTheStream() throws Exception {
		database.execute("CREATE TABLE first_table (id int PRIMARY KEY)",
				"CREATE TABLE added_later (id int PRIMARY KEY, owner int NOT NULL)");
		try (LiveFixture fixture = new LiveFixture(database, LiveQueryOptions.defaults(), "first_table")) {
			Recorder recorder = new Recorder();
			fixture.live.subscribe(Shape.of("added_later").where("owner", 3), recorder);
			assertThat(fixture.stream().tables()).extracting(Object::toString).contains("public.added_later");
			fixture.awaitDelivered();
			database.execute("INSERT INTO added_later VALUES (1, 3), (2, 4)");
			fixture.awaitDelivered();
			assertThat(recorder.operations()).containsExactly("INSERT 1");
		}
	}

	@Test
	void badShapesAreRejectedAtSubscribe() throws Exception {
		database.execute("CREATE TABLE checked (id int PRIMARY KEY, owner int, name text, doc jsonb, uid uuid)",
				"ALTER TABLE checked REPLICA IDENTITY FULL", "CREATE TABLE keyless (id int)", "CREATE TABLE secret (id int PRIMARY KEY, owner int)",
				"CREATE TABLE by_key (id int PRIMARY KEY, owner int)", "ALTER TABLE by_key REPLICA IDENTITY DEFAULT",
				"DROP ROLE IF EXISTS live_reader", "CREATE ROLE live_reader LOGIN PASSWORD 'reader'",
				"GRANT SELECT ON checked TO live_reader");
		try (LiveFixture fixture = new LiveFixture(database, LiveQueryOptions.defaults(),
				ChangeStream.builder().replicaIdentity(dev.pgcdc.replication.ReplicaIdentity.UNCHANGED), "checked",
				"by_key")) {
			LiveQueries live = fixture.live;
			Recorder listener = new Recorder();
			assertThatIllegalArgumentException().isThrownBy(() -> live.subscribe(Shape.of("missing"), listener))
				.withMessageContaining("does not exist");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> live.subscribe(Shape.of("checked").where("nope", 1), listener))
				.withMessageContaining("has no column 'nope'");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> live.subscribe(Shape.of("checked").columns("id", "nope"), listener))
				.withMessageContaining("has no column 'nope'");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> live.subscribe(Shape.of("checked").where("owner", "1; DROP TABLE checked"), listener))
				.withMessageContaining("is integer");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> live.subscribe(Shape.of("checked").where("owner", 1.5), listener))
				.withMessageContaining("is integer");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> live.subscribe(Shape.of("checked").where("uid", "not-a-uuid"), listener))
				.withMessageContaining("is uuid");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> live.subscribe(Shape.of("checked").where("doc", "{}"), listener))
				.withMessageContaining("compare integer");
			assertThatIllegalArgumentException().isThrownBy(() -> Shape.of("checked").where("owner", null))
				.withMessageContaining("whereNull");
			assertThatIllegalArgumentException().isThrownBy(() -> Shape.of("bad; name"));
			assertThatIllegalArgumentException().isThrownBy(() -> live.subscribe(Shape.of("keyless"), listener))
				.withMessageContaining("no primary key");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> live.subscribe(Shape.of("by_key").where("owner", 1), listener))
				.withMessageContaining("cdc.table.by_key.replica-identity=full");
			// conditions on the key need no old values
			live.subscribe(Shape.of("by_key").where("id", 1), listener).close();
			// a quoted name is an identifier, never SQL
			assertThatIllegalArgumentException()
				.isThrownBy(() -> live.subscribe(Shape.of("\"checked; DROP TABLE checked\""), listener))
				.withMessageContaining("does not exist");
			PGSimpleDataSource reader = new PGSimpleDataSource();
			reader.setUrl(database.jdbcUrl());
			reader.setUser("live_reader");
			reader.setPassword("reader");
			try (LiveQueries restricted = new LiveQueries(reader, fixture.subscriptions, LiveQueryOptions.defaults())) {
				assertThatIllegalArgumentException()
					.isThrownBy(() -> restricted.subscribe(Shape.of("secret").where("owner", 1), listener))
					.withMessageContaining("may not read table public.secret");
				restricted.subscribe(Shape.of("checked").where("owner", 1L).where("uid",
						"6f1c2a8e-0000-4000-8000-000000000001"), listener).close();
			}
			assertThat(live.openQueries()).isZero();
			assertThat(listener.failures).isEmpty();
		}
	}

	private static void block(CountDownLatch latch) {
		try {
			latch.await(1, TimeUnit.MINUTES);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Records what a listener received. */
	static class Recorder implements LiveQueryListener {

		volatile List<Map<String, @Nullable Object>> snapshot = List.of();

		volatile int snapshots;

		final List<ShapeChange> changes = new java.util.concurrent.CopyOnWriteArrayList<>();

		final List<String> resets = new java.util.concurrent.CopyOnWriteArrayList<>();

		final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

		@Override
		public void onSnapshot(List<Map<String, @Nullable Object>> rows, String position) {
			this.snapshot = rows;
			this.snapshots++;
		}

		@Override
		public void onChange(ShapeChange change) {
			this.changes.add(change);
		}

		@Override
		public void onReset(String reason) {
			this.resets.add(reason);
		}

		List<String> operations() {
			List<String> operations = new ArrayList<>();
			for (ShapeChange change : this.changes) {
				operations.add(change.operation() + " " + change.row().get("id"));
			}
			return operations;
		}

		boolean saw(Operation operation) {
			return this.changes.stream().anyMatch((change) -> change.operation() == operation);
		}

	}

}
