package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Publication modes, identifier quoting, idle acknowledgement and the lifecycle methods.
 */
class PublicationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("publication");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void autoModeKeepsThePublicationInStepWithTheTables() throws Exception {
		database.execute("CREATE TABLE step_a (id int PRIMARY KEY)", "CREATE TABLE step_b (id int PRIMARY KEY)",
				"CREATE PUBLICATION step_pub FOR TABLE step_a");
		try (ChangeStream stream = stream(database, "step_pub").tables("step_b").handler(new Recorder()).start()) {
			assertThat(published("step_pub")).containsExactly("public.step_b");
		}
	}

	@Test
	void existingModeUsesThePublicationAsItIs() throws Exception {
		database.execute("CREATE TABLE kept (id int PRIMARY KEY)", "CREATE TABLE other (id int PRIMARY KEY)",
				"CREATE PUBLICATION kept_pub FOR TABLE kept");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "kept_pub").publicationMode(PublicationMode.EXISTING)
			.tables("kept")
			.handler(recorder)
			.start()) {
			database.execute("INSERT INTO kept VALUES (1)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
			assertThat(published("kept_pub")).containsExactly("public.kept");
		}
		assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> stream(database, "kept_pub")
			.publicationMode(PublicationMode.EXISTING)
			.tables("kept", "other")
			.handler(new Recorder())
			.start())).isInstanceOf(CdcConfigurationException.class)
			.hasMessageContaining("does not publish [public.other]")
			.hasMessageContaining("ALTER PUBLICATION \"kept_pub\" ADD TABLE \"public\".\"other\"");
	}

	@Test
	void mixedCaseSchemasTablesAndPublicationNamesAreQuoted() {
		database.execute("CREATE SCHEMA \"Sales Dept\"",
				"CREATE TABLE \"Sales Dept\".\"Order Items\" (\"Id\" int PRIMARY KEY, \"Note\" text)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "My \"Odd\" Pub").tables("\"Sales Dept\".\"Order Items\"")
			.handler(recorder)
			.start()) {
			database.execute("INSERT INTO \"Sales Dept\".\"Order Items\" VALUES (1, 'x')");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
			ChangeEvent event = recorder.changes().get(0);
			assertThat(event.schema()).isEqualTo("Sales Dept");
			assertThat(event.table()).isEqualTo("Order Items");
			assertThat(event.newRecord()).containsOnlyKeys("Id", "Note");
		}
	}

	@Test
	void idleDurableSlotFollowsTheServerPosition() throws Exception {
		database.execute("CREATE TABLE watched (id int PRIMARY KEY)", "CREATE TABLE unwatched (id int)");
		try (ChangeStream stream = stream(database, "idle_pub").tables("watched")
			.slot("idle_slot")
			.durable(true)
			.statusInterval(Duration.ofMillis(100))
			.handler(new Recorder())
			.start()) {
			database.execute("INSERT INTO unwatched SELECT generate_series(1, 1000)");
			String written = query("SELECT pg_current_wal_lsn()::text");
			// the keepalive after the skipped transaction moves the flushed position past it
			await().atMost(TIMEOUT).until(() -> stream.status().flushedLsn() != null
					&& lsnAtLeast(stream.status().flushedLsn(), written));
			// the next wake-up of the reader sends it to the server
			await().atMost(TIMEOUT).until(() -> {
				database.execute("INSERT INTO unwatched VALUES (0)");
				return lsnAtLeast(query("SELECT confirmed_flush_lsn::text FROM pg_replication_slots"
						+ " WHERE slot_name = 'idle_slot'"), written);
			});
		}
	}

	@Test
	void startAndStopAreIdempotentAndStopCanBeAsynchronous() throws Exception {
		database.execute("CREATE TABLE lifecycle (id int PRIMARY KEY)");
		ChangeStream stream = stream(database, "lifecycle_pub").tables("lifecycle").handler(new Recorder()).build();
		assertThat(stream.state()).isEqualTo(StreamState.STOPPED);
		assertThat(stream.isRunning()).isFalse();
		assertThat(stream.start()).isSameAs(stream.start());
		assertThat(stream.isRunning()).isTrue();
		CountDownLatch stopped = new CountDownLatch(1);
		stream.stop(stopped::countDown);
		assertThat(stopped.await(60, TimeUnit.SECONDS)).isTrue();
		assertThat(stream.state()).isEqualTo(StreamState.STOPPED);
		stream.stop();
		Recorder recorder = new Recorder();
		try (ChangeStream again = stream(database, "lifecycle_pub").tables("lifecycle").handler(recorder).start()) {
			database.execute("INSERT INTO lifecycle VALUES (1)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
		}
		// a stopped stream can be started again
		try (ChangeStream restarted = stream.start()) {
			await().atMost(TIMEOUT).until(() -> restarted.state() == StreamState.STREAMING);
			database.execute("INSERT INTO lifecycle VALUES (2)");
			await().atMost(TIMEOUT).until(() -> restarted.status().events() >= 1);
		}
	}

	private static boolean lsnAtLeast(String lsn, String than) {
		return org.postgresql.replication.LogSequenceNumber.valueOf(lsn).asLong()
				>= org.postgresql.replication.LogSequenceNumber.valueOf(than).asLong();
	}

	private static String query(String sql) throws Exception {
		try (Connection connection = database.connect(); PreparedStatement statement = connection.prepareStatement(sql);
				ResultSet row = statement.executeQuery()) {
			row.next();
			return row.getString(1);
		}
	}

	private static List<String> published(String publication) throws Exception {
		List<String> tables = new ArrayList<>();
		try (Connection connection = database.connect(); PreparedStatement statement = connection.prepareStatement(
				"SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = ? ORDER BY 1")) {
			statement.setString(1, publication);
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					tables.add(rows.getString(1));
				}
			}
		}
		return tables;
	}

}
