package dev.pgcdc.replication;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.dispatch.CdcErrorHandler;
import dev.pgcdc.dispatch.ErrorPolicy;
import dev.pgcdc.dispatch.HandlerDefinition;
import dev.pgcdc.dispatch.HandlerFailure;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.filter.EventFilter;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.FixedBackOff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code concurrency(n)}: events run on n threads partitioned by table and primary key; each
 * row's changes stay in commit order, the slot is confirmed only up to the oldest transaction not
 * done, and the error policy holds as with one thread.
 */
class ParallelDispatchTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(120);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("parallel");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void unrelatedRowsRunInParallelWhileEachRowKeepsItsOrder() throws Exception {
		database.execute("CREATE TABLE counters (id int PRIMARY KEY, seq int NOT NULL)");
		SlowRows rows = new SlowRows();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "counters_pub")
			.tables("counters")
			.concurrency(8)
			.handler(multicaster(rows, "row", ChangeEvent.class, ErrorPolicy.STOP, null))
			.start()) {
			int keys = 40;
			int rounds = 15;
			List<String> inserts = new ArrayList<>();
			for (int id = 0; id < keys; id++) {
				inserts.add("INSERT INTO counters VALUES (" + id + ", 0)");
			}
			database.execute(inserts.toArray(String[]::new));
			for (int round = 1; round <= rounds; round++) {
				// every row once per round: one transaction updating half the rows, one transaction per row for the rest
				List<String> batch = new ArrayList<>();
				for (int id = 0; id < keys / 2; id++) {
					batch.add("UPDATE counters SET seq = " + round + " WHERE id = " + id);
				}
				database.execute("BEGIN", String.join("; ", batch), "COMMIT");
				for (int id = keys / 2; id < keys; id++) {
					database.execute("UPDATE counters SET seq = " + round + " WHERE id = " + id);
				}
			}
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			assertThat(rows.seen).hasSize(keys);
			for (int id = 0; id < keys; id++) {
				List<Integer> expected = new ArrayList<>();
				for (int seq = 0; seq <= rounds; seq++) {
					expected.add(seq);
				}
				assertThat(rows.seen.get(id)).as("changes of row %d in the order handled", id).isEqualTo(expected);
			}
			assertThat(rows.maxConcurrent.get()).as("handler calls at once").isGreaterThan(1);
		}
	}

	@Test
	void aRelayRunsOnTheDeliveryThreadBeforeTheParallelHandlers() throws Exception {
		// a relay (the Kafka relay) sees every batch, whole and in commit order, once: it is not split over partitions
		database.execute("CREATE TABLE relayed (id int PRIMARY KEY, seq int NOT NULL)");
		SlowRows rows = new SlowRows();
		List<String> relayedPositions = new CopyOnWriteArrayList<>();
		Set<String> relayThreads = ConcurrentHashMap.newKeySet();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "relayed_pub")
			.tables("relayed")
			.concurrency(4)
			.relay((batch) -> {
				relayThreads.add(Thread.currentThread().getName());
				batch.events().forEach((event) -> relayedPositions.add(((ChangeEvent) event).position()));
			})
			.handler(multicaster(rows, "row", ChangeEvent.class, ErrorPolicy.STOP, null))
			.start()) {
			database.execute("INSERT INTO relayed SELECT generate_series(1, 30), 0");
			for (int id = 1; id <= 30; id++) {
				database.execute("UPDATE relayed SET seq = 1 WHERE id = " + id);
			}
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			assertThat(relayedPositions).hasSize(60).doesNotHaveDuplicates().isSorted();
			assertThat(relayThreads).hasSize(1);
			assertThat(relayThreads.iterator().next()).doesNotStartWith("pgcdc-handler-");
			assertThat(rows.seen).hasSize(30);
			rows.seen.values().forEach((seqs) -> assertThat(seqs).containsExactly(0, 1));
		}
	}

	@Test
	void oneThreadNeverOverlaps() throws Exception {
		// the control for the test above: its overlap comes from concurrency, not from the handler
		database.execute("CREATE TABLE serial (id int PRIMARY KEY, seq int NOT NULL)");
		SlowRows rows = new SlowRows();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "serial_pub")
			.tables("serial")
			.handler(multicaster(rows, "row", ChangeEvent.class, ErrorPolicy.STOP, null))
			.start()) {
			for (int id = 0; id < 20; id++) {
				database.execute("INSERT INTO serial VALUES (" + id + ", 0)");
			}
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			assertThat(rows.seen).hasSize(20);
			assertThat(rows.maxConcurrent.get()).isEqualTo(1);
		}
	}

	@Test
	void listHandlersReceiveEachPartitionsShareOfATransactionInOrder() throws Exception {
		database.execute("CREATE TABLE lines (id int PRIMARY KEY)");
		Lists lists = new Lists();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "lines_pub")
			.tables("lines")
			.concurrency(4)
			.handler(multicaster(lists, "lines", List.class, ErrorPolicy.STOP, null))
			.start()) {
			database.execute("INSERT INTO lines SELECT generate_series(1, 64)");
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			assertThat(lists.received).hasSizeGreaterThan(1).hasSizeLessThanOrEqualTo(4);
			List<Object> all = new ArrayList<>();
			for (List<ChangeEvent> list : lists.received) {
				List<String> positions = list.stream().map(ChangeEvent::position).toList();
				assertThat(positions).isSorted();
				list.forEach((event) -> all.add(event.newRecord().get("id")));
			}
			assertThat(all).hasSize(64).doesNotHaveDuplicates();
		}
	}

	@Test
	void aSlowEventOfAnEarlyTransactionHoldsTheFlushedPositionWhileLaterOnesFinish() throws Exception {
		database.execute("CREATE TABLE tasks (id int PRIMARY KEY)");
		Holding holding = new Holding(1);
		try (ChangeStream stream = ChangeStreamTests.stream(database, "tasks_pub")
			.tables("tasks")
			.durable(true)
			.slot("tasks_slot")
			.concurrency(4)
			.handler(multicaster(holding, "row", ChangeEvent.class, ErrorPolicy.STOP, null))
			.start()) {
			for (int id = 1; id <= 20; id++) {
				database.execute("INSERT INTO tasks VALUES (" + id + ")");
			}
			assertThat(holding.held.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			// the rows of other partitions go on (those of the held row's partition wait behind it)
			await().atMost(TIMEOUT).until(() -> holding.done.size() >= 5);
			String firstCommit = holding.lsnOfHeld;
			assertThat(stream.awaitCaughtUp(Duration.ofMillis(300))).isFalse();
			assertThat(WalPositions.confirmedFlush(database, "tasks_slot")).isLessThan(WalPositions.lsn(firstCommit));
			String flushed = stream.status().flushedLsn();
			assertThat((flushed != null) ? WalPositions.lsn(flushed) : 0).isLessThan(WalPositions.lsn(firstCommit));
			holding.release.countDown();
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			long last = WalPositions.lsn(holding.lastLsn());
			await().atMost(TIMEOUT).until(() -> WalPositions.confirmedFlush(database, "tasks_slot") > last);
		}
		finally {
			holding.release.countDown();
			database.execute("SELECT pg_drop_replication_slot('tasks_slot')");
		}
	}

	@Test
	void stopLeavesTheFailedTransactionUnacknowledged() throws Exception {
		database.execute("CREATE TABLE orders (id int PRIMARY KEY)");
		Failing failing = new Failing(5);
		try (ChangeStream stream = ChangeStreamTests.stream(database, "orders_pub")
			.tables("orders")
			.durable(true)
			.slot("orders_slot")
			.concurrency(4)
			.handler(multicaster(failing, "row", ChangeEvent.class, ErrorPolicy.STOP, null))
			.start()) {
			for (int id = 1; id <= 10; id++) {
				database.execute("INSERT INTO orders VALUES (" + id + ")");
			}
			await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.FAILED);
			assertThat(stream.status().lastError()).contains("error policy STOP");
			long failedCommit = WalPositions.lsn(failing.lsnOfFailure);
			assertThat(WalPositions.confirmedFlush(database, "orders_slot")).isLessThan(failedCommit);
			String flushed = stream.status().flushedLsn();
			assertThat((flushed != null) ? WalPositions.lsn(flushed) : 0).isLessThan(failedCommit);
		}
		finally {
			database.execute("SELECT pg_drop_replication_slot('orders_slot')");
		}
	}

	@Test
	void skipGivesTheEventToTheErrorHandlerAndGoesOn() throws Exception {
		database.execute("CREATE TABLE parcels (id int PRIMARY KEY)");
		Failing failing = new Failing(5);
		List<HandlerFailure> dead = new CopyOnWriteArrayList<>();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "parcels_pub")
			.tables("parcels")
			.concurrency(4)
			.handler(multicaster(failing, "row", ChangeEvent.class, ErrorPolicy.SKIP, dead::add))
			.start()) {
			for (int id = 1; id <= 10; id++) {
				database.execute("INSERT INTO parcels VALUES (" + id + ")");
			}
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			assertThat(failing.handled).containsExactlyInAnyOrder(1, 2, 3, 4, 6, 7, 8, 9, 10);
			assertThat(dead).singleElement()
				.satisfies((failure) -> assertThat(((ChangeEvent) failure.events().get(0)).newRecord()).containsEntry("id", 5));
		}
	}

	@Test
	void aHandlerWhoseDatabaseIsUnavailableMakesTheStreamReconnectAndDeliverAgain() throws Exception {
		database.execute("CREATE TABLE shipments (id int PRIMARY KEY)");
		Unavailable unavailable = new Unavailable(5);
		List<StreamState> states = new CopyOnWriteArrayList<>();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "shipments_pub")
			.tables("shipments")
			.durable(true)
			.slot("shipments_slot")
			.concurrency(4)
			.backOff(new FixedBackOff(100, FixedBackOff.UNLIMITED_ATTEMPTS))
			.listener((from, to, cause) -> states.add(to))
			.handler(multicaster(unavailable, "row", ChangeEvent.class, ErrorPolicy.STOP, null))
			.start()) {
			for (int id = 1; id <= 10; id++) {
				database.execute("INSERT INTO shipments VALUES (" + id + ")");
			}
			await().atMost(TIMEOUT).until(() -> unavailable.handled.containsAll(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)));
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			assertThat(states).containsSubsequence(StreamState.STREAMING, StreamState.RECONNECTING, StreamState.STREAMING)
				.doesNotContain(StreamState.FAILED);
		}
		finally {
			database.execute("SELECT pg_drop_replication_slot('shipments_slot')");
		}
	}

	@Test
	void concurrencyBelowOneIsRefused() {
		assertThatExceptionOfType(InvalidStreamSettingException.class)
			.isThrownBy(() -> ChangeStreamTests.stream(database, "p").concurrency(0).onEvent((event) -> { }).build())
			.withMessageContaining("concurrency");
	}

	static HandlerMulticaster multicaster(Object bean, String method, Class<?> parameter, ErrorPolicy policy,
			CdcErrorHandler errorHandler) throws Exception {
		HandlerRegistry registry = new HandlerRegistry();
		registry.register(new HandlerDefinition(method, "bean", bean, bean.getClass().getDeclaredMethod(method, parameter),
				0, Set.of(), EventFilter.acceptAll(), null));
		return new HandlerMulticaster(registry, HandlerMulticaster.retryPolicy(0, Duration.ofMillis(10), 1, Duration.ofMillis(10)),
				policy, errorHandler);
	}

	/** Sleeps 5 ms per event (I/O-bound work), records each row's values in the order handled. */
	static final class SlowRows {

		final Map<Integer, List<Integer>> seen = new ConcurrentHashMap<>();

		final AtomicInteger concurrent = new AtomicInteger();

		final AtomicInteger maxConcurrent = new AtomicInteger();

		void row(ChangeEvent event) throws InterruptedException {
			int now = this.concurrent.incrementAndGet();
			this.maxConcurrent.accumulateAndGet(now, Math::max);
			try {
				Thread.sleep(5);
				int id = (Integer) event.newRecord().get("id");
				this.seen.computeIfAbsent(id, (key) -> new CopyOnWriteArrayList<>()).add((Integer) event.newRecord().get("seq"));
			}
			finally {
				this.concurrent.decrementAndGet();
			}
		}

	}

	static final class Lists {

		final List<List<ChangeEvent>> received = new CopyOnWriteArrayList<>();

		void lines(List<ChangeEvent> events) {
			this.received.add(events);
		}

	}

	/** Holds the event of one id until released. */
	static final class Holding {

		final int id;

		final CountDownLatch held = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		final List<String> done = new CopyOnWriteArrayList<>();

		volatile String lsnOfHeld;

		Holding(int id) {
			this.id = id;
		}

		void row(ChangeEvent event) throws InterruptedException {
			if ((Integer) event.newRecord().get("id") == this.id) {
				this.lsnOfHeld = event.lsn();
				this.held.countDown();
				this.release.await();
				return;
			}
			this.done.add(event.lsn());
		}

		String lastLsn() {
			return this.done.stream().max((a, b) -> Long.compare(WalPositions.lsn(a), WalPositions.lsn(b))).orElseThrow();
		}

	}

	/** Finds its database unavailable once, on one id. */
	static final class Unavailable {

		final int id;

		final List<Integer> handled = new CopyOnWriteArrayList<>();

		private final AtomicInteger failures = new AtomicInteger();

		Unavailable(int id) {
			this.id = id;
		}

		void row(ChangeEvent event) {
			int id = (Integer) event.newRecord().get("id");
			if (id == this.id && this.failures.getAndIncrement() == 0) {
				throw new dev.pgcdc.stream.DatabaseUnavailableException("the sink's database restarts",
						new java.sql.SQLException("terminating connection due to administrator command", "57P01"));
			}
			this.handled.add(id);
		}

	}

	/** Fails on one id. */
	static final class Failing {

		final int id;

		final List<Integer> handled = new CopyOnWriteArrayList<>();

		volatile String lsnOfFailure;

		Failing(int id) {
			this.id = id;
		}

		void row(ChangeEvent event) {
			if (event.operation() != Operation.INSERT) {
				return;
			}
			int id = (Integer) event.newRecord().get("id");
			if (id == this.id) {
				this.lsnOfFailure = event.lsn();
				throw new IllegalStateException("cannot handle " + id);
			}
			this.handled.add(id);
		}

	}

}
