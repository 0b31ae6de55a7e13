package dev.pgcdc.benchmark;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
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
 * user): a paced writer inserts rows at a fixed rate (transactions of 10 rows), each row for a
 * random user, so each change matches one shape. Measured per level, after a warm-up:
 * write → listener latency (the row carries {@code System.nanoTime()} taken just before its
 * INSERT is sent; the listener, in the same JVM, subtracts: commit, WAL decoding, the stream,
 * routing and delivery), process CPU per change (the writer's JDBC work included), and the heap
 * per idle shape (heap after GC with the shapes open, minus before, divided by their number).
 * Then subscribe latency: {@code subscribe} → {@code onSnapshot} for shapes of ~100 rows at 100
 * subscribes/s.
 * <pre>
 * ./mvnw -B -ntp -pl cdc-benchmarks -am package -DskipTests -Drun.main=dev.pgcdc.benchmark.LiveQueriesBenchmark -Drun.args="5000 20 1 1000 100000"
 * </pre>
 * Arguments: changes/s (default 5000), seconds measured per level (default 20), the levels.
 */
public final class LiveQueriesBenchmark {

	private LiveQueriesBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int rate = (args.length > 0) ? Integer.parseInt(args[0]) : 5000;
		int seconds = (args.length > 1) ? Integer.parseInt(args[1]) : 20;
		List<Integer> levels = new ArrayList<>();
		for (int i = 2; i < args.length; i++) {
			levels.add(Integer.parseInt(args[i]));
		}
		if (levels.isEmpty()) {
			levels.addAll(List.of(1, 1000, 100_000));
		}
		List<String> lines = new ArrayList<>();
		try (TestDatabase database = TestPostgres.createDatabase("live_bench");
				HikariDataSource dataSource = new HikariDataSource()) {
			database.execute("CREATE TABLE live_bench (id bigint PRIMARY KEY, user_id int NOT NULL, sent bigint NOT NULL)",
					"CREATE TABLE live_docs (id int PRIMARY KEY, owner int NOT NULL, title text)",
					"INSERT INTO live_docs SELECT g, g / 100, 'title ' || g FROM generate_series(0, 99999) g",
					"CREATE INDEX ON live_bench (user_id)", "CREATE INDEX ON live_docs (owner)", "ANALYZE live_docs");
			dataSource.setJdbcUrl(database.jdbcUrl());
			dataSource.setUsername(database.username());
			dataSource.setPassword(database.password());
			dataSource.setMaximumPoolSize(8);
			AtomicLong ids = new AtomicLong();
			for (int shapes : levels) {
				lines.add(level(database, dataSource, shapes, rate, seconds, ids));
				System.out.println(lines.get(lines.size() - 1));
			}
			lines.add(subscribes(database, dataSource));
		}
		System.out.println();
		System.out.println("Live queries, " + rate + " changes/s, " + seconds + " s per level, "
				+ Runtime.getRuntime().availableProcessors() + " CPUs, load " + String.format(Locale.ROOT, "%.1f",
						ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
		lines.forEach(System.out::println);
	}

	private static String level(TestDatabase database, HikariDataSource dataSource, int shapes, int rate, int seconds,
			AtomicLong ids) throws Exception {
		AtomicReferenceStream holder = new AtomicReferenceStream();
		CdcSubscriptions subscriptions = new CdcSubscriptions(new HandlerRegistry(new RowBinder()), holder::get, null);
		LiveQueryOptions options = LiveQueryOptions.defaults();
		try (LiveQueries live = new LiveQueries(dataSource, subscriptions, options)) {
			try (ChangeStream stream = stream(database, live, holder)) {
				Latency latency = new Latency();
				System.gc();
				long heapBefore = usedHeap();
				List<LiveQuery> queries = new ArrayList<>(shapes);
				long openStart = System.nanoTime();
				for (int user = 0; user < shapes; user++) {
					queries.add(live.subscribe(Shape.of("live_bench").where("user_id", user), latency));
				}
				while (!live.isIdle()) {
					Thread.sleep(50);
				}
				double openSeconds = (System.nanoTime() - openStart) / 1e9;
				System.gc();
				long heapPerShape = (usedHeap() - heapBefore) / shapes;
				// warm-up, then measured
				write(database, shapes, rate, Math.max(5, seconds / 4), ids, latency, false);
				long cpuBefore = processCpuNanos();
				long routingBefore = deliveryThreadCpuNanos();
				long deliveredBefore = live.changesDelivered();
				Histogram histogram = write(database, shapes, rate, seconds, ids, latency, true);
				subscriptions.awaitCaughtUp(java.time.Duration.ofMinutes(1));
				while (!live.isIdle()) {
					Thread.sleep(10);
				}
				long delivered = live.changesDelivered() - deliveredBefore;
				double cpuPerChange = (processCpuNanos() - cpuBefore) / 1000.0 / Math.max(1, delivered);
				double routingPerChange = (deliveryThreadCpuNanos() - routingBefore) / 1000.0 / Math.max(1, delivered);
				queries.forEach(LiveQuery::close);
				database.execute("TRUNCATE live_bench");
				return String.format(Locale.ROOT,
						"%,8d shapes: write->listener p50 %.2f ms, p99 %.2f ms, max %.1f ms; CPU %.1f us/change (process),"
								+ " %.1f us/change (delivery thread: decode + routing); %,d changes; heap/idle shape %,d B; opened in %.1f s",
						shapes, histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0,
						histogram.getMaxValue() / 1000.0, cpuPerChange, routingPerChange, delivered, heapPerShape, openSeconds);
			}
		}
	}

	private static Histogram write(TestDatabase database, int users, int rate, int seconds, AtomicLong ids,
			Latency latency, boolean measured) throws Exception {
		Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
		latency.histogram = measured ? histogram : new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
		int perTransaction = 10;
		long interval = TimeUnit.SECONDS.toNanos(1) * perTransaction / rate;
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
		Random random = new Random(seconds);
		try (Connection connection = database.connect();
				PreparedStatement insert = connection.prepareStatement("INSERT INTO live_bench VALUES (?, ?, ?)")) {
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
			try (ChangeStream stream = stream(database, live, holder)) {
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
	private static ChangeStream stream(TestDatabase database, LiveQueries live, AtomicReferenceStream holder) {
		ChangeStreamBuilder builder = ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.publication("live_bench_pub")
			.tables("live_bench", "live_docs")
			.handler((batch) -> {
			});
		live.attach(builder);
		ChangeStream stream = builder.build();
		holder.stream = stream;
		return stream.start();
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
		java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
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

	private static final class AtomicReferenceStream {

		volatile @Nullable ChangeStream stream;

		@Nullable ChangeStream get() {
			return this.stream;
		}

	}

}
