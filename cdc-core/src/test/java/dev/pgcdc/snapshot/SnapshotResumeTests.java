package dev.pgcdc.snapshot;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.snapshot.SnapshotStatus.State;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A durable slot's snapshot survives the end of its process: a stream that dies in the middle
 * of its initial snapshot (its handler throws, the stream fails and is abandoned, as a crash
 * would leave it) is followed by a new one on the same slot, which resumes after the last
 * delivered chunk, and the oracle still holds. The {@code kill -9} of a separate JVM is
 * {@code cdc-benchmarks/snapshot-crash.sh}.
 */
class SnapshotResumeTests {

	private static final Duration TIMEOUT = Duration.ofMinutes(3);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("snapshot_resume");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	private static ChangeStream durable(String table, dev.pgcdc.stream.BatchHandler handler) {
		return ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.publication(table + "_pub")
			.tables(table)
			.slot(table + "_slot")
			.durable(true)
			.snapshots(new SnapshotOptions(SnapshotMode.INITIAL, 500, (name) -> true, SnapshotOptions.DEFAULT_PROGRESS_TABLE))
			.handler(handler)
			.build();
	}

	@Test
	void aRestartResumesAfterTheLastDeliveredChunkAndTheReplicaStillEqualsTheSource() throws Exception {
		long rows = 20_000;
		SnapshotOracleTests.createAccounts(database, "ledger", rows);
		TableName table = TableName.parse("ledger");
		Replica replica = new Replica("ledger");
		PacedWriter writer = new PacedWriter(database, "ledger", rows, 300, 7).start();
		try {
			try (ChangeStream first = durable("ledger", (batch) -> {
				if (replica.snapshotRows.get() >= 6_000 && hasSnapshotRows(batch.events())) {
					throw new IllegalStateException("crash in the middle of the snapshot");
				}
				replica.handle(batch);
			})) {
				first.start();
				await().atMost(TIMEOUT).until(() -> first.state() == StreamState.FAILED);
			}
			String[] stored = storedLastKey("ledger_slot");
			assertThat(stored).as("progress stored after the delivered chunks").isNotNull().hasSize(1);
			long lastDelivered = Long.parseLong(stored[0]);
			assertThat(lastDelivered).isPositive();
			int before = replica.snapshotKeys().size();
			try (ChangeStream second = durable("ledger", replica)) {
				second.start();
				await().atMost(TIMEOUT).until(() -> second.snapshots().status(table).map(SnapshotStatus::state)
					.orElse(State.QUEUED) == State.DONE);
				List<Long> reread = replica.snapshotKeys().subList(before, replica.snapshotKeys().size());
				assertThat(reread).as("rows read after the restart").isNotEmpty()
					.allSatisfy((key) -> assertThat(key).isGreaterThan(lastDelivered));
				writer.close();
				assertThat(second.awaitCaughtUp(TIMEOUT)).isTrue();
				try (Connection connection = database.connect()) {
					assertThat(replica.differencesFrom(Replica.source(connection, "ledger"))).isEmpty();
				}
				assertThat(second.snapshots().status(table).orElseThrow().rowsRead()).isGreaterThan(rows / 2);
			}
		}
		finally {
			writer.close();
		}
	}

	private static boolean hasSnapshotRows(List<CdcEvent> events) {
		return !events.isEmpty() && events.get(0) instanceof ChangeEvent change && change.operation() == Operation.SNAPSHOT;
	}

	private static String[] storedLastKey(String slot) throws Exception {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection
					.prepareStatement("SELECT last_key FROM pgcdc_snapshots WHERE slot_name = ? AND state = 'RUNNING'")) {
			statement.setString(1, slot);
			try (ResultSet row = statement.executeQuery()) {
				if (!row.next()) {
					return null;
				}
				Array key = row.getArray(1);
				return (key != null) ? (String[]) key.getArray() : null;
			}
		}
	}

}
