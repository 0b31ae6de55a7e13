package dev.pgcdc.replication;

import java.time.Duration;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A handled transaction reaches the server promptly, not with the next periodic status update.
 */
class AcknowledgementTests {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("acks");
		database.execute("CREATE TABLE payments (id int PRIMARY KEY)");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void aHandledTransactionIsConfirmedOnTheSlotWithinASecond() throws Exception {
		Recorder recorder = new Recorder();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "acks_pub")
			.tables("payments")
			.durable(true)
			.slot("acks_slot")
			// far beyond the test's patience: only a prompt acknowledgement can pass it
			.statusInterval(Duration.ofMinutes(10))
			.handler(recorder)
			.start()) {
			long before = WalPositions.insertPosition(database);
			database.execute("INSERT INTO payments VALUES (1)");
			await().atMost(Duration.ofSeconds(60)).until(() -> recorder.changes().size() == 1);
			// the server's keepalive (wal_sender_timeout / 2 = 30 s) would confirm it too, but much later
			await().atMost(Duration.ofSeconds(5)).until(() -> WalPositions.confirmedFlush(database, "acks_slot") > before);
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
		}
		finally {
			database.execute("SELECT pg_drop_replication_slot('acks_slot')");
		}
	}

	@Test
	void theLastTransactionOfABurstIsConfirmedToo() throws Exception {
		database.execute("CREATE TABLE bursts (id int PRIMARY KEY)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "bursts_pub")
			.tables("bursts")
			.durable(true)
			.slot("bursts_slot")
			.statusInterval(Duration.ofMinutes(10))
			.handler(recorder)
			.start()) {
			// twenty transactions handled within milliseconds: the rate limit (one status per 100 ms)
			// holds back the acknowledgement of all but the first, and nothing follows them
			String[] burst = new String[20];
			for (int i = 0; i < burst.length; i++) {
				burst[i] = "INSERT INTO bursts VALUES (" + i + ")";
			}
			database.execute(burst);
			await().atMost(Duration.ofSeconds(60)).until(() -> recorder.changes().size() == burst.length);
			long lastCommit = WalPositions.lsn(recorder.batches.get(recorder.batches.size() - 1).lsn());
			// without a trailing acknowledgement the slot would wait for the keepalive, 30 s
			await().atMost(Duration.ofSeconds(5))
				.until(() -> WalPositions.confirmedFlush(database, "bursts_slot") > lastCommit);
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
		}
		finally {
			database.execute("SELECT pg_drop_replication_slot('bursts_slot')");
		}
	}

}
