package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.time.Duration;
import java.util.Map;

import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.snapshot.SnapshotStatus.State;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Snapshots with parallel dispatch: an initial snapshot under writes (value updates, key moves
 * both ways, deletes) with the handler on 8 threads builds a replica equal to the source, as with
 * one thread: each key's SNAPSHOT row and changes stay in order, key moves wait for both keys.
 */
class ParallelSnapshotTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(180);

	@Test
	void replicaEqualsSourceAfterAnInitialSnapshotUnderWritesOnEightThreads() throws Exception {
		long rows = 5_000;
		try (TestDatabase database = TestPostgres.createDatabase("parallel_snapshot")) {
			SnapshotOracleTests.createAccounts(database, "ledger", rows);
			Replica replica = new Replica("ledger");
			TableName table = TableName.parse("ledger");
			PacedWriter writer = new PacedWriter(database, "ledger", rows, 1000, 7).start();
			try (ChangeStream stream = SnapshotOracleTests.stream(database, "ledger", SnapshotMode.INITIAL, 200)
				.concurrency(8)
				.handler(replica)
				.start()) {
				await().atMost(TIMEOUT).until(() -> stream.snapshots().status(table).map(SnapshotStatus::state)
					.orElse(State.QUEUED) == State.DONE);
				writer.close();
				assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
				try (Connection connection = database.connect()) {
					Map<Long, Map<String, Object>> source = Replica.source(connection, "ledger");
					assertThat(replica.differencesFrom(source)).as("rows where the replica differs").isEmpty();
				}
				assertThat(replica.snapshotRows.get()).isGreaterThan(rows / 2);
				assertThat(replica.changes.get()).isPositive();
				assertThat(replica.watermarks.get()).isZero();
			}
			finally {
				writer.close();
			}
		}
	}

}
