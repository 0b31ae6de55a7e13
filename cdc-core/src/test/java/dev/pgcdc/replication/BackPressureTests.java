package dev.pgcdc.replication;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.test.DedicatedPostgres;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bounded memory and slow handlers: a huge transaction streams through a capped heap (the
 * module's tests run with {@code -Xmx256m}), and a handler slower than
 * {@code wal_sender_timeout} does not cost the connection.
 */
class BackPressureTests {

	private static final int ROWS = 1_000_000;

	@Test
	void millionRowTransactionIsDeliveredCompletelyInBoundedChunks() {
		try (TestDatabase database = TestPostgres.createDatabase("large")) {
			database.execute("CREATE TABLE big (id int PRIMARY KEY, payload text)");
			AtomicLong events = new AtomicLong();
			AtomicInteger firsts = new AtomicInteger();
			AtomicInteger lasts = new AtomicInteger();
			AtomicInteger largest = new AtomicInteger();
			try (ChangeStream stream = stream(database, "big_pub").tables("big").batchSize(1000).handler((batch) -> {
				count(batch, events, firsts, lasts, largest);
			}).start()) {
				database.execute("INSERT INTO big SELECT g, 'payload of row ' || g FROM generate_series(1, " + ROWS + ") g");
				await().atMost(Duration.ofMinutes(10)).until(() -> lasts.get() == 1);
				assertThat(events.get()).isEqualTo(ROWS);
				assertThat(firsts.get()).isEqualTo(1);
				assertThat(largest.get()).isEqualTo(1000);
				assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			}
		}
	}

	@Test
	void wideRowsAreCutIntoBatchesOfBoundedBytes() {
		try (TestDatabase database = TestPostgres.createDatabase("wide")) {
			database.execute("CREATE TABLE wide (id int PRIMARY KEY, body text)");
			AtomicLong events = new AtomicLong();
			AtomicInteger firsts = new AtomicInteger();
			AtomicInteger lasts = new AtomicInteger();
			AtomicInteger largest = new AtomicInteger();
			try (ChangeStream stream = stream(database, "wide_pub").tables("wide").handler((batch) -> {
				count(batch, events, firsts, lasts, largest);
			}).start()) {
				// 40 rows of 1 MB each in one transaction
				database.execute("INSERT INTO wide SELECT i, (SELECT string_agg(md5(i::text || g::text), '')"
						+ " FROM generate_series(1, 32768) g) FROM generate_series(1, 40) i");
				await().atMost(Duration.ofMinutes(5)).until(() -> lasts.get() == 1);
				assertThat(events.get()).isEqualTo(40);
				assertThat(largest.get()).isLessThanOrEqualTo(
						(int) (TransactionAssembler.MAX_BATCH_BYTES / (1024 * 1024)) + 1);
			}
		}
	}

	private static void count(TransactionBatch batch, AtomicLong events, AtomicInteger firsts, AtomicInteger lasts,
			AtomicInteger largest) {
		events.addAndGet(batch.events().size());
		largest.accumulateAndGet(batch.events().size(), Math::max);
		if (batch.first()) {
			firsts.incrementAndGet();
		}
		if (batch.last()) {
			lasts.incrementAndGet();
		}
	}

	@Test
	void slowHandlerDoesNotRunIntoWalSenderTimeout() throws Exception {
		try (DedicatedPostgres server = TestPostgres.startDedicated(Map.of("wal_sender_timeout", "2s"));
				TestDatabase database = server.createDatabase("slow")) {
			database.execute("CREATE TABLE slow (id int PRIMARY KEY)");
			CountDownLatch release = new CountDownLatch(1);
			AtomicInteger handled = new AtomicInteger();
			try (ChangeStream stream = stream(database, "slow_pub").tables("slow")
				.batchSize(1)
				.queueCapacity(1)
				.statusInterval(Duration.ofMillis(200))
				.onEvent((event) -> {
					try {
						release.await();
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
					handled.incrementAndGet();
				})
				.start()) {
				for (int i = 1; i <= 5; i++) {
					database.execute("INSERT INTO slow VALUES (" + i + ")");
				}
				// three times wal_sender_timeout with the handler stuck and the queue full
				await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(20))
					.until(() -> stream.state() == StreamState.STREAMING && stream.status().reconnects() == 0);
				release.countDown();
				await().atMost(Duration.ofSeconds(60)).until(() -> handled.get() == 5);
				assertThat(stream.status().reconnects()).isZero();
			}
		}
	}

}
