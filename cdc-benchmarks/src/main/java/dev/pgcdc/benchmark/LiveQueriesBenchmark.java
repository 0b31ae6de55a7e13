package dev.pgcdc.benchmark;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import com.zaxxer.hikari.HikariDataSource;
import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.dispatch.RowBinder;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.live.LiveQueries;
import dev.pgcdc.live.LiveQuery;
import dev.pgcdc.live.LiveQueryListener;
import dev.pgcdc.live.LiveQueryOptions;
import dev.pgcdc.live.Shape;
import dev.pgcdc.live.ShapeChange;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.ChangeStreamBuilder;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Live queries at 1, 1,000 and 100,000 open equality shapes ({@code where user_id = k}, one per
 * user), every level open at once on a table of its own: a paced writer inserts rows at a fixed
 * rate (transactions of 10 rows) into one level's table, each row for a random user, so each
 * change matches one shape. The levels take turns in rounds (the first warms up; default 3
 * measured, {@code -Dlive.rounds=N}) so they share the JVM's warm-up and the machine's load.
 * Measured per level: write → listener latency (the row carries {@code System.nanoTime()} taken
 * just before its INSERT is sent; the listener, in the same JVM, subtracts: commit, WAL
 * decoding, the stream, routing and delivery) over every measured round, CPU per change (median
 * of the rounds) of the whole process (the writer's JDBC work included) and of the stream's
 * delivery thread alone (where changes are routed to the shapes; decoding runs on the reader
 * thread, listeners on the live workers) and of its time in the live queries' relay ("routing":
 * the index look-ups, the changes relative to the shapes, their buffers, waking the delivery
 * workers); each level's growth from the first is the median of its rounds' own ratios (each
 * round compared with the first level's in the same round), and the heap per idle shape (heap
 * after GC with the level's shapes open, minus before, divided by their number). Then subscribe latency:
 * {@code subscribe} → {@code onSnapshot} for shapes of ~100 rows at 100 subscribes/s. The cost of
 * routing alone, without the server: {@code dev.pgcdc.live.RoutingBenchmark}.
 * <pre>
 * ./mvnw -B -ntp -pl cdc-benchmarks -am package -DskipTests -Drun.main=dev.pgcdc.benchmark.LiveQueriesBenchmark -Drun.args="5000 20 1 1000 100000"
 * </pre>
 * Arguments: changes/s (default 5000), seconds measured per level and round (default 20), the levels:
 * {@code N} shapes open, rows for all of their users, or {@code N/U}, rows for the first {@code U} of them.
 */
public final class LiveQueriesBenchmark {

	private LiveQueriesBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int rate = (args.length > 0) ? Integer.parseInt(args[0]) : 5000;
		int seconds = (args.length > 1) ? Integer.parseInt(args[1]) : 20;
		List<Level> levels = new ArrayList<>();
		for (int i = 2; i < args.length; i++) {
			levels.add(Level.parse(args[i]));
		}
		if (levels.isEmpty()) {
			levels.addAll(List.of(new Level(1, 1), new Level(1000, 1000), new Level(100_000, 100_000)));
		}
		int rounds = Integer.getInteger("live.rounds", 3);
		List<String> lines = new ArrayList<>();
		try (TestDatabase database = TestPostgres.createDatabase("live_bench");
				HikariDataSource dataSource = new HikariDataSource()) {
			for (Level level : levels) {
				database.execute("CREATE TABLE " + level.table()
						+ " (id bigint PRIMARY KEY, user_id int NOT NULL, sent bigint NOT NULL)",
						"CREATE INDEX ON " + level.table() + " (user_id)");
			}
			database.execute("CREATE TABLE live_docs (id int PRIMARY KEY, owner int NOT NULL, title text)",
					"INSERT INTO live_docs SELECT g, g / 100, 'title ' || g FROM generate_series(0, 99999) g",
					"CREATE INDEX ON live_docs (owner)", "ANALYZE live_docs");
			dataSource.setJdbcUrl(database.jdbcUrl());
			dataSource.setUsername(database.username());
			dataSource.setPassword(database.password());
			dataSource.setMaximumPoolSize(8);
			lines.addAll(levels(database, dataSource, levels, rate, seconds, rounds));
			lines.add(subscribes(database, dataSource));
		}
		lines.add(Runtime.getRuntime().availableProcessors() + " CPUs, load " + String.format(Locale.ROOT, "%.1f",
				ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
		lines.forEach(System.out::println);
	}

	/**
	 * A level: how many shapes are open on its table, and over how many of their users the writer
	 * spreads its rows ({@code 100000/1}: 100,000 shapes open, every row for the first user — the
	 * one-shape level's workload with the larger index; default all of them).
	 */
	private record Level(int shapes, int users) {

		static Level parse(String argument) {
			int slash = argument.indexOf('/');
			if (slash < 0) {
				int shapes = Integer.parseInt(argument);
				return new Level(shapes, shapes);
			}
			int shapes = Integer.parseInt(argument.substring(0, slash));
			int users = Integer.parseInt(argument.substring(slash + 1));
			if (users < 1 || users > shapes) {
				throw new IllegalArgumentException("Level " + argument + ": write to 1 to " + shapes + " users");
			}
			return new Level(shapes, users);
		}

		String table() {
			return (this.users == this.shapes) ? "live_bench_" + this.shapes : "live_bench_" + this.shapes + "_" + this.users;
		}

		@Override
		public String toString() {
			return (this.users == this.shapes) ? String.format(Locale.ROOT, "%,d shapes", this.shapes)
					: String.format(Locale.ROOT, "%,d shapes, rows for %,d", this.shapes, this.users);
		}

	}

	/**
	 * Every level's shapes open at once, each level on its own table; then rounds in which the
	 * levels take turns (the first round warms up), so the levels share the JVM's warm-up and the
	 * machine's moods alike.
	 */
	private static List<String> levels(TestDatabase database, HikariDataSource dataSource, List<Level> levels,
			int rate, int seconds, int rounds) throws Exception {
		AtomicReferenceStream holder = new AtomicReferenceStream();
		CdcSubscriptions subscriptions = new CdcSubscriptions(new HandlerRegistry(new RowBinder()), holder::get, null);
		List<String> lines = new ArrayList<>();
		RoutingClock clock = new RoutingClock();
		try (LiveQueries live = new LiveQueries(dataSource, subscriptions, options());
				ChangeStream stream = stream(database, live, holder, levels, clock)) {
			Latency latency = new Latency();
			long[] heapPerShape = new long[levels.size()];
			double[] openSeconds = new double[levels.size()];
			for (int level = 0; level < levels.size(); level++) {
				int shapes = levels.get(level).shapes();
				String table = levels.get(level).table();
				System.gc();
				long heapBefore = usedHeap();
				long openStart = System.nanoTime();
				for (int user = 0; user < shapes; user++) {
					live.subscribe(Shape.of(table).where("user_id", user), latency);
				}
				while (!live.isIdle()) {
					Thread.sleep(50);
				}
				openSeconds[level] = (System.nanoTime() - openStart) / 1e9;
				System.gc();
				heapPerShape[level] = (usedHeap() - heapBefore) / shapes;
			}
			AtomicLong ids = new AtomicLong();
			Histogram[] histograms = new Histogram[levels.size()];
			double[][] cpu = new double[levels.size()][rounds];
			double[][] routing = new double[levels.size()][rounds];
			double[][] routed = new double[levels.size()][rounds];
			long[] delivered = new long[levels.size()];
			for (int round = 0; round <= rounds; round++) {
				for (int level = 0; level < levels.size(); level++) {
					Level current = levels.get(level);
					boolean measured = round > 0;
					long cpuBefore = processCpuNanos();
					long routingBefore = deliveryThreadCpuNanos();
					long routedBefore = clock.nanos;
					long deliveredBefore = live.changesDelivered();
					Histogram histogram = write(database, current.table(), current.users(), rate,
							measured ? seconds : Math.max(5, seconds / 2), ids, latency);
					subscriptions.awaitCaughtUp(java.time.Duration.ofMinutes(1));
					while (!live.isIdle()) {
						Thread.sleep(10);
					}
					long changes = Math.max(1, live.changesDelivered() - deliveredBefore);
					if (measured) {
						cpu[level][round - 1] = (processCpuNanos() - cpuBefore) / 1000.0 / changes;
						routing[level][round - 1] = (deliveryThreadCpuNanos() - routingBefore) / 1000.0 / changes;
						routed[level][round - 1] = (clock.nanos - routedBefore) / 1000.0 / changes;
						delivered[level] += changes;
						if (histograms[level] == null) {
							histograms[level] = histogram;
						}
						else {
							histograms[level].add(histogram);
						}
					}
					System.out.printf(Locale.ROOT,
							"round %d, %s: %.1f us/change (process), %.1f (delivery thread), %.2f (routing)%n", round, current,
							(processCpuNanos() - cpuBefore) / 1000.0 / changes,
							(deliveryThreadCpuNanos() - routingBefore) / 1000.0 / changes,
							(clock.nanos - routedBefore) / 1000.0 / changes);
				}
			}
			for (int level = 0; level < levels.size(); level++) {
				Histogram histogram = histograms[level];
				lines.add(String.format(Locale.ROOT,
						"%s: write->listener p50 %.2f ms, p99 %.2f ms, max %.1f ms; CPU per change (median of %d"
								+ " rounds) %.1f us process (%+.0f %%), %.1f us delivery thread (%+.0f %%), %.2f us routing"
								+ " (%+.0f %%); %,d changes;"
								+ " heap/idle shape %,d B; opened in %.1f s",
						levels.get(level), histogram.getValueAtPercentile(50) / 1000.0,
						histogram.getValueAtPercentile(99) / 1000.0, histogram.getMaxValue() / 1000.0, rounds,
						median(cpu[level]), growth(cpu, level), median(routing[level]),
						growth(routing, level), median(routed[level]), growth(routed, level), delivered[level],
						heapPerShape[level], openSeconds[level]));
				System.out.println(lines.get(lines.size() - 1));
			}
		}
		return lines;
	}

	/**
	 * @return the level's growth from the first level in percent: the median of the rounds' own
	 * ratios, each level compared with the first one of its round (the machine's moods shift
	 * between rounds more than within one)
	 */
	private static double growth(double[][] perRound, int level) {
		double[] ratios = new double[perRound[level].length];
		for (int round = 0; round < ratios.length; round++) {
			ratios[round] = (perRound[level][round] / perRound[0][round] - 1) * 100;
		}
		return median(ratios);
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		return sorted[sorted.length / 2];
	}

	private static Histogram write(TestDatabase database, String table, int users, int rate, int seconds, AtomicLong ids,
			Latency latency) throws Exception {
		Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
		latency.histogram = histogram;
		int perTransaction = 10;
		long interval = TimeUnit.SECONDS.toNanos(1) * perTransaction / rate;
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
		Random random = new Random(seconds);
		try (Connection connection = database.connect();
				PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?)")) {
			try (var statement = connection.createStatement()) {
				// the test servers run with synchronous_commit=off: a commit would wait up to wal_writer_delay
				// (200 ms) before its WAL is flushed and the walsender may send it (see PacedWriter)
				statement.execute("SET synchronous_commit = on");
			}
			connection.setAutoCommit(false);
			long next = System.nanoTime();
			while (next < end) {
				for (int i = 0; i < perTransaction; i++) {
					insert.setLong(1, ids.incrementAndGet());
					insert.setInt(2, random.nextInt(users));
					insert.setLong(3, System.nanoTime());
					insert.addBatch();
				}
				insert.executeBatch();
				connection.commit();
				next += interval;
				long wait = next - System.nanoTime();
				if (wait > 0) {
					LockSupport.parkNanos(wait);
				}
			}
		}
		return histogram;
	}

	private static String subscribes(TestDatabase database, HikariDataSource dataSource) throws Exception {
		AtomicReferenceStream holder = new AtomicReferenceStream();
		CdcSubscriptions subscriptions = new CdcSubscriptions(new HandlerRegistry(new RowBinder()), holder::get, null);
		try (LiveQueries live = new LiveQueries(dataSource, subscriptions, LiveQueryOptions.defaults())) {
			try (ChangeStream stream = stream(database, live, holder, List.of(), new RoutingClock())) {
				Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
				int count = 1000;
				CountDownLatch snapshots = new CountDownLatch(count);
				List<LiveQuery> queries = new ArrayList<>();
				long interval = TimeUnit.MILLISECONDS.toNanos(10);
				long next = System.nanoTime();
				for (int i = 0; i < count; i++) {
					long start = System.nanoTime();
					boolean measured = i >= 100;
					queries.add(live.subscribe(Shape.of("live_docs").where("owner", i % 1000), new LiveQueryListener() {
						@Override
						public void onSnapshot(List<Map<String, @Nullable Object>> rows, String position) {
							if (measured) {
								synchronized (histogram) {
									histogram.recordValue((System.nanoTime() - start) / 1000);
								}
							}
							snapshots.countDown();
						}

						@Override
						public void onChange(ShapeChange change) {
						}
					}));
					next += interval;
					long wait = next - System.nanoTime();
					if (wait > 0) {
						LockSupport.parkNanos(wait);
					}
				}
				snapshots.await(5, TimeUnit.MINUTES);
				queries.forEach(LiveQuery::close);
				return String.format(Locale.ROOT,
						"subscribe -> onSnapshot (100 rows, 100 subscribes/s, %d measured): p50 %.2f ms, p99 %.2f ms",
						histogram.getTotalCount(), histogram.getValueAtPercentile(50) / 1000.0,
						histogram.getValueAtPercentile(99) / 1000.0);
			}
		}
	}

	/** A stream of the benchmark tables with the live queries attached, started. */
	private static ChangeStream stream(TestDatabase database, LiveQueries live, AtomicReferenceStream holder,
			List<Level> levels, RoutingClock clock) {
		List<String> tables = new ArrayList<>();
		levels.forEach((level) -> tables.add(level.table()));
		tables.add("live_docs");
		ChangeStreamBuilder builder = ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.publication("live_bench_pub")
			.tables(tables.toArray(String[]::new))
			.handler((batch) -> {
			});
		builder.relay(clock::start);
		live.attach(builder);
		builder.relay(clock::stop);
		ChangeStream stream = builder.build();
		holder.stream = stream;
		return stream.start();
	}

	/** The defaults, with {@code -Dlive.threads} delivery threads when given. */
	private static LiveQueryOptions options() {
		LiveQueryOptions defaults = LiveQueryOptions.defaults();
		return new LiveQueryOptions(defaults.bufferSize(), Integer.getInteger("live.threads", defaults.threads()),
				defaults.sseRetention(), defaults.sseRetainedEvents(), defaults.sseTimeout(), defaults.sseHeartbeat());
	}

	private static long usedHeap() {
		Runtime runtime = Runtime.getRuntime();
		return runtime.totalMemory() - runtime.freeMemory();
	}

	/**
	 * CPU time of the stream's delivery thread, where every change is decoded and routed to the
	 * shapes it matches (the listeners run on other threads): the routing cost without the writer's.
	 */
	private static long deliveryThreadCpuNanos() {
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		long total = 0;
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			if (thread.getName().startsWith("pgcdc-dispatch-")) {
				total += Math.max(0, threads.getThreadCpuTime(thread.getId()));
			}
		}
		return total;
	}

	private static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	/** Write → listener latency of each change. */
	private static final class Latency implements LiveQueryListener {

		volatile Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);

		@Override
		public void onSnapshot(List<Map<String, @Nullable Object>> rows, String position) {
		}

		@Override
		public void onChange(ShapeChange change) {
			Object sent = change.row().get("sent");
			if (sent instanceof Long nanos) {
				long micros = Math.max(0, (System.nanoTime() - nanos) / 1000);
				Histogram current = this.histogram;
				synchronized (current) {
					current.recordValue(Math.min(micros, TimeUnit.SECONDS.toMicros(60)));
				}
			}
		}

	}

	/**
	 * The CPU time the delivery thread spends in the live queries' relay (routing each change to
	 * its queries and waking the delivery workers): relays placed before and after it read the
	 * thread's CPU clock.
	 */
	private static final class RoutingClock {

		private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

		private long started;

		/** Written by the delivery thread, read between levels (after the stream caught up). */
		volatile long nanos;

		void start(TransactionBatch batch) {
			this.started = this.threads.getCurrentThreadCpuTime();
		}

		void stop(TransactionBatch batch) {
			this.nanos += this.threads.getCurrentThreadCpuTime() - this.started;
		}

	}

	private static final class AtomicReferenceStream {

		volatile @Nullable ChangeStream stream;

		@Nullable ChangeStream get() {
			return this.stream;
		}

	}

}
