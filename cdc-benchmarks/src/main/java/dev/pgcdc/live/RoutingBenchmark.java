package dev.pgcdc.live;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.dispatch.RowBinder;
import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.EventPosition;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Source;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.ChangeStreamBuilder;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.jspecify.annotations.Nullable;

/**
 * What routing one change costs the stream's thread with 1, 1,000 or 100,000 open equality
 * shapes: one table per level ({@code where user_id = k}, one shape per user, all opened on a
 * real server in one {@link LiveQueries}), transactions of 10 INSERTs, each for a random user,
 * so each change matches one shape, handed to the live queries as the stream hands them over
 * (index look-up, the shape's own check, the change relative to the shape, its buffer, one
 * wake-up of the delivery workers per transaction; the listeners do nothing, on the workers).
 * The levels take turns in rounds and the figure is the routing thread's own CPU time per change
 * (median of the rounds), so other processes on a shared machine, and the workers, do not count.
 * End-to-end figures (write → listener latency, CPU of the whole process):
 * {@code dev.pgcdc.benchmark.LiveQueriesBenchmark}.
 * <pre>
 * ./mvnw -B -ntp -pl cdc-benchmarks -am package -DskipTests
 * java -cp cdc-benchmarks/target/benchmarks.jar dev.pgcdc.live.RoutingBenchmark [rounds=9] [changes per round=200000] [levels=1 1000 100000]
 * </pre>
 * {@code -Droute.pause.us=200} parks that long after each transaction, so that the delivery
 * workers drain between transactions as they do at a few thousand changes a second (the routing
 * thread then offers each change to a query a worker touched last).
 */
public final class RoutingBenchmark {

	private static final int PER_TRANSACTION = 10;

	private RoutingBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int rounds = (args.length > 0) ? Integer.parseInt(args[0]) : 9;
		int changes = (args.length > 1) ? Integer.parseInt(args[1]) : 200_000;
		List<Integer> levels = new ArrayList<>();
		for (int i = 2; i < args.length; i++) {
			levels.add(Integer.parseInt(args[i]));
		}
		if (levels.isEmpty()) {
			levels.addAll(List.of(1, 1000, 100_000));
		}
		try (TestDatabase database = TestPostgres.createDatabase("live_route");
				HikariDataSource dataSource = new HikariDataSource()) {
			String[] tables = new String[levels.size()];
			for (int i = 0; i < tables.length; i++) {
				tables[i] = "live_route_" + levels.get(i);
				database.execute("CREATE TABLE " + tables[i] + " (id bigint PRIMARY KEY, user_id int NOT NULL, sent bigint NOT NULL)");
			}
			dataSource.setJdbcUrl(database.jdbcUrl());
			dataSource.setUsername(database.username());
			dataSource.setPassword(database.password());
			dataSource.setMaximumPoolSize(8);
			StreamHolder holder = new StreamHolder();
			CdcSubscriptions subscriptions = new CdcSubscriptions(new HandlerRegistry(new RowBinder()), holder::get, null);
			LiveQueryOptions defaults = LiveQueryOptions.defaults();
			// large buffers: a listener a moment behind the loop must not turn into resets
			LiveQueryOptions options = new LiveQueryOptions(1_000_000, defaults.threads(), defaults.sseRetention(),
					defaults.sseRetainedEvents(), defaults.sseTimeout(), defaults.sseHeartbeat());
			try (LiveQueries live = new LiveQueries(dataSource, subscriptions, options)) {
				ChangeStreamBuilder builder = ChangeStream.builder()
					.url(database.jdbcUrl())
					.username(database.username())
					.password(database.password())
					.publication("live_route_pub")
					.tables(tables)
					.handler((batch) -> {
					});
				live.attach(builder);
				try (ChangeStream stream = builder.build()) {
					holder.stream = stream;
					stream.start();
					run(live, levels, tables, rounds, changes);
				}
			}
		}
	}

	private static void run(LiveQueries live, List<Integer> levels, String[] tables, int rounds, int changes)
			throws InterruptedException {
		LiveQueryListener nothing = new LiveQueryListener() {
			@Override
			public void onSnapshot(List<Map<String, @Nullable Object>> rows, String position) {
			}

			@Override
			public void onChange(ShapeChange change) {
			}
		};
		List<TransactionBatch[]> batches = new ArrayList<>();
		for (int level = 0; level < levels.size(); level++) {
			long start = System.nanoTime();
			for (int user = 0; user < levels.get(level); user++) {
				live.subscribe(Shape.of(tables[level]).where("user_id", user), nothing);
			}
			awaitIdle(live);
			System.out.printf(Locale.ROOT, "%,d shapes opened in %.1f s%n", levels.get(level),
					(System.nanoTime() - start) / 1e9);
			batches.add(batches(tables[level], levels.get(level), changes / PER_TRANSACTION));
		}
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		long pause = TimeUnit.MICROSECONDS.toNanos(Long.getLong("route.pause.us", 0));
		double[][] perChange = new double[levels.size()][rounds + 1];
		// round 0 warms up
		for (int round = 0; round <= rounds; round++) {
			for (int level = 0; level < levels.size(); level++) {
				long cpu = threads.getCurrentThreadCpuTime();
				for (TransactionBatch batch : batches.get(level)) {
					live.route(batch);
					if (pause > 0) {
						// as the stream at a few thousand changes a second: the workers drain in between
						java.util.concurrent.locks.LockSupport.parkNanos(pause);
					}
				}
				perChange[level][round] = (threads.getCurrentThreadCpuTime() - cpu) / (double) changes;
				awaitIdle(live);
			}
		}
		double base = 0;
		for (int level = 0; level < levels.size(); level++) {
			double[] measured = Arrays.copyOfRange(perChange[level], 1, rounds + 1);
			Arrays.sort(measured);
			double median = measured[measured.length / 2];
			if (level == 0) {
				base = median;
			}
			System.out.printf(Locale.ROOT,
					"%,9d shapes: %.0f ns CPU per change routed (median of %d rounds of %,d; min %.0f, max %.0f), %+.0f %% vs %,d%n",
					levels.get(level), median, rounds, changes, measured[0], measured[measured.length - 1],
					(median / base - 1) * 100, levels.get(0));
		}
	}

	private static void awaitIdle(LiveQueries live) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
		while (!live.isIdle()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("the live queries did not settle within 5 minutes");
			}
			Thread.sleep(20);
		}
	}

	private static TransactionBatch[] batches(String table, int users, int transactions) {
		Random random = new Random(42);
		Source source = new Source(Source.NAME, "17", "bench", "public", table,
				Map.of("id", "int8", "user_id", "int4", "sent", "int8"));
		Instant commit = Instant.now();
		TransactionBatch[] batches = new TransactionBatch[transactions];
		long id = 0;
		for (int t = 0; t < transactions; t++) {
			long commitLsn = 0x1000000L + t * 0x1000L;
			String lsn = "0/" + Long.toHexString(commitLsn);
			List<CdcEvent> events = new ArrayList<>(PER_TRANSACTION);
			for (int i = 0; i < PER_TRANSACTION; i++) {
				Map<String, @Nullable Object> row = new HashMap<>();
				row.put("id", ++id);
				row.put("user_id", random.nextInt(users));
				row.put("sent", 0L);
				events.add(new ChangeEvent(Operation.INSERT, "public", table, row, null, Map.of(), Set.of(), commit, lsn,
						1000 + t, source, EventPosition.of(commitLsn, i)));
			}
			batches[t] = new TransactionBatch(1000 + t, lsn, commit, events, true, true);
		}
		return batches;
	}

	private static final class StreamHolder {

		volatile @Nullable ChangeStream stream;

		@Nullable ChangeStream get() {
			return this.stream;
		}

	}

}
