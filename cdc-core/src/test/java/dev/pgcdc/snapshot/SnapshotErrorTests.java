package dev.pgcdc.snapshot;

import java.time.Duration;

import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.PublicationMode;
import dev.pgcdc.snapshot.SnapshotStatus.State;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.CdcTableNotFoundException;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/** What a snapshot refuses, each with a message naming the fix; and cancelling one. */
class SnapshotErrorTests {

	private static final Duration TIMEOUT = Duration.ofMinutes(1);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("snapshot_errors");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void tableWithoutPrimaryKeyOrNotSubscribedIsRefused() {
		database.execute("CREATE TABLE nokey (v int)", "CREATE TABLE other (id int PRIMARY KEY)");
		try (ChangeStream stream = SnapshotOracleTests.stream(database, "nokey", SnapshotMode.NEVER, 10).onEvent((event) -> {
		}).start()) {
			assertThatExceptionOfType(CdcConfigurationException.class)
				.isThrownBy(() -> stream.snapshots().start(TableName.parse("nokey")))
				.withMessageContaining("has no primary key")
				.withMessageContaining("ADD PRIMARY KEY");
			assertThatExceptionOfType(CdcTableNotFoundException.class)
				.isThrownBy(() -> stream.snapshots().start(TableName.parse("other")))
				.withMessageContaining("not subscribed");
			assertThat(stream.snapshots().status(TableName.parse("nokey"))).isEmpty();
		}
	}

	@Test
	void initialSnapshotOfATableWithoutPrimaryKeyFailsStartUpNamingTheProperty() {
		database.execute("CREATE TABLE nokey_initial (v int)");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> SnapshotOracleTests.stream(database, "nokey_initial", SnapshotMode.INITIAL, 10).onEvent((event) -> {
			}).start())
			.withMessageContaining("cdc.table.nokey_initial.snapshot=false");
	}

	@Test
	void aSecondSnapshotOfTheSameTableConflictsAndCancelStopsIt() {
		SnapshotOracleTests.createAccounts(database, "busy", 2_000);
		TableName busy = TableName.parse("busy");
		java.util.concurrent.atomic.AtomicLong rows = new java.util.concurrent.atomic.AtomicLong();
		try (ChangeStream stream = SnapshotOracleTests.stream(database, "busy", SnapshotMode.NEVER, 10).onEvent((event) -> {
			rows.incrementAndGet();
		}).start()) {
			stream.pause();
			assertThat(stream.snapshots().start(busy).state()).isIn(State.QUEUED, State.RUNNING);
			assertThatExceptionOfType(SnapshotAlreadyRunningException.class)
				.isThrownBy(() -> stream.snapshots().start(busy))
				.withMessageContaining("already running");
			assertThat(stream.snapshots().cancel(busy).orElseThrow().state()).isEqualTo(State.CANCELLED);
			stream.resume();
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			assertThat(rows.get()).as("rows delivered after the cancel").isLessThan(2_000);
			assertThat(stream.snapshots().status(busy).orElseThrow().state()).isEqualTo(State.CANCELLED);
			// and it can run again
			stream.snapshots().start(busy);
			await().atMost(TIMEOUT).until(() -> stream.snapshots().status(busy).orElseThrow().state() == State.DONE);
			assertThat(stream.snapshots().status(busy).orElseThrow().rowsRead()).isEqualTo(2_000);
		}
	}

	@Test
	void aUserWhoMayNotWriteTheWatermarkIsToldWhatToGrant() throws Exception {
		database.execute("CREATE ROLE snapshot_reader LOGIN REPLICATION PASSWORD 'reader'",
				"CREATE TABLE guarded (id int PRIMARY KEY)", "ALTER TABLE guarded REPLICA IDENTITY FULL",
				"ALTER TABLE guarded OWNER TO snapshot_reader", "CREATE PUBLICATION guarded_pub FOR TABLE guarded",
				"DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT oid::regprocedure FROM pg_proc"
						+ " WHERE proname = 'pg_logical_emit_message' LOOP"
						+ " EXECUTE 'REVOKE EXECUTE ON FUNCTION ' || f || ' FROM PUBLIC'; END LOOP; END $$");
		try (java.sql.Connection connection = database.connect();
				java.sql.ResultSet row = connection.createStatement().executeQuery("SELECT string_agg(p.oid::regprocedure"
						+ " || '=' || has_function_privilege('snapshot_reader', p.oid, 'EXECUTE') || ' ' || coalesce(p.proacl::text, '-'), '; ')"
						+ " FROM pg_proc p WHERE proname = 'pg_logical_emit_message'")) {
			row.next();
			assertThat(row.getString(1)).as("precondition: revoked").doesNotContain("=true");
		}
		// the test server's URL names its superuser: this stream must connect as the reader
		try (ChangeStream stream = ChangeStream.builder()
			.url(database.jdbcUrl().replaceFirst("\\?.*$", ""))
			.username("snapshot_reader")
			.password("reader")
			.publication("guarded_pub")
			.publicationMode(PublicationMode.EXISTING)
			.tables("guarded")
			.onEvent((event) -> {
			})
			.start()) {
			assertThatExceptionOfType(CdcConfigurationException.class)
				.isThrownBy(() -> stream.snapshots().start(TableName.parse("guarded")))
				.withMessageContaining("GRANT EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) TO"
						+ " snapshot_reader");
		}
	}

}
