package dev.pgcdc.replication;

import dev.pgcdc.stream.BatchHandler;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.FixedBackOff;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A large transaction interrupted half-way (stop, connection loss) is delivered again in
 * full from a durable slot, and what came before it is not.
 */
class InFlightTransactionTests {

	private static final int ROWS = 100_000;

	private static final Duration TIMEOUT = Duration.ofMinutes(5);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("inflight");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void transactionStoppedHalfWayComesAgainInFullAfterRestart() throws Exception {
		database.execute("CREATE TABLE halfway (id int PRIMARY KEY)");
		Counter first = new Counter().holdingAfter(5_000);
		ChangeStream stream = durable("halfway").handler(first).start();
		database.execute("INSERT INTO halfway VALUES (0)");
		await().atMost(TIMEOUT).until(() -> first.transactions.get() == 1);
		database.execute("INSERT INTO halfway SELECT generate_series(1, " + ROWS + ")");
		assertThat(first.reached.await(5, TimeUnit.MINUTES)).isTrue();
		CountDownLatch stopped = new CountDownLatch(1);
		stream.stop(stopped::countDown);
		first.release.countDown();
		assertThat(stopped.await(5, TimeUnit.MINUTES)).isTrue();
		assertThat(first.events.get()).isLessThan(ROWS + 1);
		Counter second = new Counter();
		try (ChangeStream again = durable("halfway").handler(second).start()) {
			await().atMost(TIMEOUT).until(() -> second.transactions.get() == 1);
			assertThat(second.events.get()).isEqualTo(ROWS);
			assertThat(second.firsts.get()).isEqualTo(1);
		}
	}

	@Test
	void connectionLostHalfWayResendsTheTransactionInFull() throws Exception {
		database.execute("CREATE TABLE cut (id int PRIMARY KEY)");
		Counter counter = new Counter().holdingAfter(5_000);
		try (ChangeStream stream = durable("cut").handler(counter).start()) {
			database.execute("INSERT INTO cut SELECT generate_series(1, " + ROWS + ")");
			assertThat(counter.reached.await(5, TimeUnit.MINUTES)).isTrue();
			try (Connection connection = database.connect(); PreparedStatement statement = connection.prepareStatement(
					"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'cut_slot'")) {
				statement.execute();
			}
			await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.RECONNECTING);
			counter.release.countDown();
			await().atMost(TIMEOUT).until(() -> counter.transactions.get() == 1);
			assertThat(stream.status().reconnects()).isEqualTo(1);
			assertThat(counter.firsts.get()).isEqualTo(2);
			assertThat(counter.ids).hasSize(ROWS);
			assertThat(counter.events.get()).isGreaterThan(ROWS);
		}
	}

	@Test
	void connectionLostWithChunksQueuedDeliversNoQueuedChunkTwice() throws Exception {
		int rows = 50_000;
		int batchSize = 100;
		int capacity = 20;
		database.execute("CREATE TABLE queued (id int PRIMARY KEY)");
		Counter counter = new Counter().holdingAfter(0);
		try (ChangeStream stream = durable("queued").batchSize(batchSize).queueCapacity(capacity).handler(counter).start()) {
			try {
				database.execute("INSERT INTO queued SELECT generate_series(1, " + rows + ")");
				assertThat(counter.reached.await(5, TimeUnit.MINUTES)).isTrue();
				// the handler holds the first chunk; the reader fills the queue with the next ones
				await().atMost(TIMEOUT).until(() -> stream.queuedBatches() == capacity);
				try (Connection connection = database.connect(); PreparedStatement statement = connection.prepareStatement(
						"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'queued_slot'")) {
					statement.execute();
				}
				// the handler still holds the first chunk: only dropping the cut-off chunks empties the queue
				await().atMost(Duration.ofMinutes(1)).until(() -> stream.queuedBatches() == 0);
			}
			finally {
				// a held dispatcher would hold stop() for ever
				counter.release.countDown();
			}
			await().atMost(TIMEOUT).until(() -> counter.transactions.get() == 1);
			assertThat(stream.status().reconnects()).isEqualTo(1);
			assertThat(counter.firsts.get()).isEqualTo(2);
			assertThat(counter.ids).hasSize(rows);
			// the chunk being handled when the connection dropped comes again; no queued one does
			assertThat(counter.events.get()).isEqualTo(rows + batchSize);
			assertThat(counter.chunks.get()).isEqualTo(rows / batchSize + 1);
		}
	}

	private static ChangeStreamBuilder durable(String table) {
		return stream(database, table + "_pub").tables(table)
			.slot(table + "_slot")
			.durable(true)
			.batchSize(500)
			.queueCapacity(2)
			.backOff(new FixedBackOff(100, FixedBackOff.UNLIMITED_ATTEMPTS));
	}

	/** Counts batches; optionally holds once in the middle of a transaction, so a stop or a cut lands there. */
	static final class Counter implements BatchHandler {

		final AtomicLong events = new AtomicLong();

		final AtomicInteger transactions = new AtomicInteger();

		final AtomicInteger firsts = new AtomicInteger();

		final AtomicInteger chunks = new AtomicInteger();

		final Set<Object> ids = ConcurrentHashMap.newKeySet();

		final CountDownLatch reached = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		private long holdAfter = Long.MAX_VALUE;

		Counter holdingAfter(long events) {
			this.holdAfter = events;
			return this;
		}

		@Override
		public void handle(TransactionBatch batch) throws InterruptedException {
			this.events.addAndGet(batch.events().size());
			this.chunks.incrementAndGet();
			batch.events().forEach((event) -> this.ids.add(String.valueOf(((dev.pgcdc.event.ChangeEvent) event).newRecord().get("id"))));
			if (batch.first()) {
				this.firsts.incrementAndGet();
			}
			if (batch.last()) {
				this.transactions.incrementAndGet();
			}
			if (this.events.get() > this.holdAfter && this.reached.getCount() > 0) {
				// hold the dispatcher in the middle of the transaction until the test has interrupted it
				this.reached.countDown();
				this.release.await();
			}
		}

	}

}
