package dev.pgcdc.replication;

import java.time.Duration;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A partitioned table is subscribed by its own name: changes to its partitions arrive as
 * changes of the partitioned table, with whole old rows under FULL.
 */
class PartitionedTableTests {

	@Test
	void changesToPartitionsArriveUnderThePartitionedTable() {
		try (TestDatabase database = TestPostgres.createDatabase("partitioned")) {
			database.execute("CREATE TABLE measurements (id int, region text, value int, PRIMARY KEY (id, region))"
					+ " PARTITION BY LIST (region)",
					"CREATE TABLE measurements_eu PARTITION OF measurements FOR VALUES IN ('eu')",
					"CREATE TABLE measurements_us PARTITION OF measurements FOR VALUES IN ('us')");
			Recorder recorder = new Recorder();
			try (ChangeStream stream = stream(database, "partition_pub").tables("measurements").handler(recorder).start()) {
				database.execute("INSERT INTO measurements VALUES (1, 'eu', 10), (2, 'us', 20)",
						"UPDATE measurements SET value = 11 WHERE id = 1", "DELETE FROM measurements WHERE id = 2");
				await().atMost(Duration.ofSeconds(60)).until(() -> recorder.changes().size() == 4);
				assertThat(recorder.changes()).extracting(ChangeEvent::table).containsOnly("measurements");
				ChangeEvent update = recorder.changes().get(2);
				assertThat(update.operation()).isEqualTo(Operation.UPDATE);
				assertThat(update.oldRecord()).containsOnlyKeys("id", "region", "value");
				assertThat(update.changes()).containsOnlyKeys("value");
				assertThat(recorder.changes().get(3).oldRecord()).containsEntry("region", "us");
			}
		}
	}

}
