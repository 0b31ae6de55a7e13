package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.ChangeStreamBuilder;
import dev.pgcdc.snapshot.SnapshotStatus.State;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The oracle: a table under a concurrent paced writer (inserts, updates of values and of the
 * key, deletes) is snapshotted at start ({@code initial}) and again while streaming (an
 * incremental snapshot); once the writer stopped and the stream caught up, a replica built from
 * every event equals the source row for row. {@code -Dpgcdc.test.snapshot.rows=200000} runs
 * it on the 200,000 rows (default 20,000, to stay well under a minute).
 */
class SnapshotOracleTests {

	private static final Duration TIMEOUT = Duration.ofMinutes(5);

	private static final long ROWS = Long.getLong("pgcdc.test.snapshot.rows", 20_000);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("snapshot_oracle");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	static ChangeStreamBuilder stream(String table, SnapshotMode mode, int chunkSize) {
		return stream(database, table, mode, chunkSize);
	}

	static ChangeStreamBuilder stream(TestDatabase database, String table, SnapshotMode mode, int chunkSize) {
		return stream(database, table, mode, chunkSize, SnapshotOptions.DEFAULT_READERS);
	}

	static ChangeStreamBuilder stream(TestDatabase database, String table, SnapshotMode mode, int chunkSize,
			int readers) {
		return ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.publication(table + "_pub")
			.tables(table)
			.snapshots(new SnapshotOptions(mode, chunkSize, (name) -> true, SnapshotOptions.DEFAULT_PROGRESS_TABLE,
					readers));
	}

	static void createAccounts(String table, long rows) {
		createAccounts(database, table, rows);
	}

	static void createAccounts(TestDatabase database, String table, long rows) {
		database.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, balance int NOT NULL, note text)",
				"INSERT INTO " + table + " SELECT g, g % 1000, 'n' || g FROM generate_series(0, " + (rows - 1) + ") g",
				"ANALYZE " + table);
	}

	@ParameterizedTest(name = "{0} reader(s)")
	@ValueSource(ints = { 1, 2, 4 })
	void replicaEqualsSourceAfterInitialAndIncrementalSnapshotsUnderWrites(int readers) throws Exception {
		String name = "accounts_" + readers;
		createAccounts(name, ROWS);
		Replica replica = new Replica(name);
		TableName table = TableName.parse(name);
		// small chunks and a brisk writer: many chunks, each window with changes of its keys; with
		// several readers, chunks read at once and high watermarks arriving out of chunk order
		PacedWriter writer = new PacedWriter(database, name, ROWS, 2000, 42).start();
		try (ChangeStream stream = stream(database, name, SnapshotMode.INITIAL, 100, readers).handler(replica).start()) {
			long before = writer.operations();
			await().atMost(TIMEOUT).until(() -> stream.snapshots().status(table).map(SnapshotStatus::state)
				.orElse(State.QUEUED) == State.DONE);
			assertThat(writer.operations() - before).as("writes during the initial snapshot").isGreaterThan(100);
			long initialRows = replica.snapshotRows.get();
			assertThat(initialRows).isGreaterThan(ROWS / 2);

			SnapshotStatus started = stream.snapshots().start(table);
			assertThat(started.state()).isIn(State.QUEUED, State.RUNNING);
			long during = writer.operations();
			await().atMost(TIMEOUT).until(() -> stream.snapshots().status(table).orElseThrow().state() == State.DONE);
			assertThat(writer.operations() - during).as("writes during the incremental snapshot").isGreaterThan(100);
			assertThat(replica.snapshotRows.get()).isGreaterThan(initialRows + ROWS / 2);

			writer.close();
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			try (Connection connection = database.connect()) {
				Map<Long, Map<String, Object>> source = Replica.source(connection, name);
				assertThat(source).hasSizeGreaterThan((int) (ROWS / 2));
				assertThat(replica.differencesFrom(source)).as("rows where the replica differs").isEmpty();
			}
			assertThat(replica.changes.get()).isPositive();
			assertThat(replica.watermarks.get()).as("watermark messages delivered").isZero();
			assertThat(replica.positionsSorted()).as("positions sort in delivery order").isTrue();
			assertThat(descents(replica.snapshotKeys()))
				.as("snapshot rows in key order within each of the two snapshots, whatever the readers").isEqualTo(1);
			SnapshotStatus done = stream.snapshots().status(table).orElseThrow();
			assertThat(done.rowsRead()).isGreaterThan(ROWS / 2);
			assertThat(done.finishedAt()).isNotNull();
		}
		finally {
			writer.close();
		}
	}

	/** @return how often a key is not above the one before it */
	private static int descents(List<Long> keys) {
		int descents = 0;
		for (int i = 1; i < keys.size(); i++) {
			if (keys.get(i) <= keys.get(i - 1)) {
				descents++;
			}
		}
		return descents;
	}

}
