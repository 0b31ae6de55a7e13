package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.stream.BatchCompletion;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An asynchronous handler completes batches after returning, out of order: the slot is confirmed
 * up to the oldest transaction not completed (the low watermark), and a failed completion stops
 * the stream without acknowledging it.
 */
class AsyncCompletionTests {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("async_acks");
		database.execute("CREATE TABLE jobs (id int PRIMARY KEY)");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void theSlotIsConfirmedOnlyUpToTheOldestTransactionNotCompleted() throws Exception {
		Map<Integer, BatchCompletion> held = new ConcurrentHashMap<>();
		List<String> commits = new CopyOnWriteArrayList<>();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "async_pub")
			.tables("jobs")
			.durable(true)
			.slot("async_slot")
			.statusInterval(Duration.ofMinutes(10))
			.asyncHandler((batch, completion) -> {
				int id = id(batch.events().get(0));
				commits.add(batch.lsn());
				if (id == 1) {
					held.put(id, completion);
				}
				else {
					completion.complete();
				}
			})
			.start()) {
			long before = WalPositions.insertPosition(database);
			for (int i = 1; i <= 3; i++) {
				database.execute("INSERT INTO jobs VALUES (" + i + ")");
			}
			await().atMost(Duration.ofSeconds(60)).until(() -> commits.size() == 3);
			// transactions 2 and 3 are done, 1 is not: nothing past 1 is confirmed
			assertThat(stream.awaitCaughtUp(Duration.ofMillis(500))).isFalse();
			assertThat(WalPositions.confirmedFlush(database, "async_slot")).isLessThan(WalPositions.lsn(commits.get(0)));
			String flushed = stream.status().flushedLsn();
			assertThat((flushed != null) ? WalPositions.lsn(flushed) : 0).isLessThan(WalPositions.lsn(commits.get(0)));
			held.get(1).complete();
			assertThat(stream.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
			long last = WalPositions.lsn(commits.get(2));
			await().atMost(Duration.ofSeconds(5)).until(() -> WalPositions.confirmedFlush(database, "async_slot") > last);
			assertThat(before).isLessThan(last);
		}
		finally {
			held.values().forEach(BatchCompletion::complete);
			database.execute("SELECT pg_drop_replication_slot('async_slot')");
		}
	}

	@Test
	void aFailedCompletionStopsTheStreamWithoutAcknowledgingIt() throws Exception {
		database.execute("CREATE TABLE failing (id int PRIMARY KEY)");
		List<String> commits = new CopyOnWriteArrayList<>();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "async_fail_pub")
			.tables("failing")
			.durable(true)
			.slot("async_fail_slot")
			.asyncHandler((batch, completion) -> {
				commits.add(batch.lsn());
				new Thread(() -> completion.fail(new IllegalStateException("broker said no"))).start();
			})
			.start()) {
			database.execute("INSERT INTO failing VALUES (1)");
			await().atMost(Duration.ofSeconds(60)).until(() -> stream.state() == StreamState.FAILED);
			assertThat(stream.status().lastError()).contains("broker said no");
			assertThat(WalPositions.confirmedFlush(database, "async_fail_slot"))
				.isLessThan(WalPositions.lsn(commits.get(0)));
		}
		finally {
			database.execute("SELECT pg_drop_replication_slot('async_fail_slot')");
		}
	}

	private static int id(CdcEvent event) {
		return (Integer) ((ChangeEvent) event).newRecord().get("id");
	}

}
