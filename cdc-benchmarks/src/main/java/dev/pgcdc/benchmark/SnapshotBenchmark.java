package dev.pgcdc.benchmark;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.snapshot.SnapshotMode;
import dev.pgcdc.snapshot.SnapshotOptions;
import dev.pgcdc.snapshot.SnapshotStatus;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import org.apache.kafka.connect.source.SourceRecord;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;

/**
 * Rows per second of an initial snapshot of the benchmark table ({@link Workload}, 10 columns),
 * next to two references measured in the same run on the same rows: the COPY ceiling
 * ({@code COPY (SELECT * FROM bench ORDER BY id) TO STDOUT} through pgjdbc's CopyManager, bytes
 * counted, nothing decoded) and Debezium's {@code snapshot.mode=initial} (embedded engine,
 * Kafka Connect records, nothing serialised). pgcdc: {@code cdc.snapshot.mode=initial} on a
 * temporary slot, a batch handler counting the SNAPSHOT events (every value decoded to its
 * Java type); timed from {@code start()} (slot creation included) to the last row.
 * <pre>
 * ./mvnw -B -ntp -pl cdc-benchmarks -am package -DskipTests
 * java -cp cdc-benchmarks/target/benchmarks.jar dev.pgcdc.benchmark.SnapshotBenchmark [rows] [chunk sizes...]
 * </pre>
 * Defaults: 1,000,000 rows, chunk size 8192; each engine runs twice (warm-up, then measured).
 * After the initial snapshots, an incremental snapshot of the same table (started on a stream
 * already streaming, chunk size the first given), idle and under a {@link PacedWriter} load of
 * {@value #LOAD_ROWS_PER_SECOND} rows/s (10 rows a transaction, new keys after the table's), each
 * round after a COPY of the table again (the ceiling next to them; the table has grown by the
 * writer's rows, COPY reads the first {@code rows} of them).
 * {@code -Dsnapshot.only=pgcdc,copy,debezium,incremental} picks what runs (all by default;
 * {@code pgcdc} alone for a large table under a small heap: {@code -Xmx256m}), and
 * {@code -Dsnapshot.rounds=N} how often (default 2: the first is the warm-up, every later one is
 * measured, so the engines interleave round by round), {@code -Dsnapshot.readers=1,2} which
 * {@code cdc.snapshot.readers} pgcdc runs with (each in every round; default the default); the
 * peak heap used is printed at the end.
 * Next to each initial snapshot's rate, the CPU seconds this JVM spent meanwhile: on a shared
 * machine the rates move with the load, the client's CPU per row much less.
 */
public final class SnapshotBenchmark {

	static final int LOAD_ROWS_PER_SECOND = 1000;

	private SnapshotBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		long rows = (args.length > 0) ? Long.parseLong(args[0]) : 1_000_000;
		List<Integer> chunks = new ArrayList<>();
		for (int i = 1; i < args.length; i++) {
			chunks.add(Integer.parseInt(args[i]));
		}
		if (chunks.isEmpty()) {
			chunks.add(SnapshotOptions.DEFAULT_CHUNK_SIZE);
		}
		try (TestDatabase database = TestPostgres.createDatabase("snapshot_bench")) {
			Workload workload = Workload.create(database);
			workload.insertInTransactionsOf(0, rows, 50_000);
			database.execute("VACUUM ANALYZE " + Workload.TABLE.quoted());
			// which engines: pgcdc (initial), copy, debezium, incremental; all by default
			List<String> only = List.of(System.getProperty("snapshot.only", "pgcdc,copy,debezium,incremental").split(","));
			int rounds = Integer.getInteger("snapshot.rounds", 2);
			// reader counts (cdc.snapshot.readers) to compare, interleaved within each round
			List<Integer> readers = new ArrayList<>();
			for (String count : System.getProperty("snapshot.readers", Integer.toString(SnapshotOptions.DEFAULT_READERS))
				.split(",")) {
				readers.add(Integer.parseInt(count.trim()));
			}
			List<String> lines = new ArrayList<>();
			for (int round = 0; round < rounds; round++) {
				boolean measured = round > 0;
				if (only.contains("copy")) {
					double cpu = cpuSeconds();
					double seconds = copy(database, rows, false);
					report(lines, measured, "COPY ceiling", rows, seconds, cpuSeconds() - cpu);
				}
				if (only.contains("pgcdc")) {
					for (int chunk : chunks) {
						for (int count : readers) {
							double cpu = cpuSeconds();
							double seconds = pgcdc(database, rows, chunk, count, round);
							report(lines, measured, "pgcdc initial, chunk " + chunk + ", readers " + count, rows, seconds,
									cpuSeconds() - cpu);
						}
					}
				}
				if (only.contains("debezium")) {
					double cpu = cpuSeconds();
					double seconds = debezium(database, workload, rows, round);
					report(lines, measured, "Debezium initial", rows, seconds, cpuSeconds() - cpu);
				}
			}
			if (only.contains("incremental")) {
				for (int round = 0; round < rounds; round++) {
					boolean measured = round > 0;
					if (only.contains("copy")) {
						// the ceiling again, next to these (the load on a shared machine changes)
						double cpu = cpuSeconds();
						double seconds = copy(database, rows, true);
						report(lines, measured, "COPY ceiling", rows, seconds, cpuSeconds() - cpu);
					}
					if (only.contains("copy")) {
						// and under the incremental round's write load
						double cpu = cpuSeconds();
						double seconds = copy(database, rows, true, LOAD_ROWS_PER_SECOND);
						report(lines, measured, "COPY ceiling, 1k w/s", rows, seconds, cpuSeconds() - cpu);
					}
					for (int count : readers) {
						reportRate(lines, measured, "pgcdc incremental, idle, readers " + count,
								incremental(database, chunks.get(0), count, 0, round));
						reportRate(lines, measured, "pgcdc incremental, 1k w/s, readers " + count,
								incremental(database, chunks.get(0), count, LOAD_ROWS_PER_SECOND, round));
					}
				}
			}
			System.out.println();
			System.out.printf(Locale.ROOT, "Snapshot of %,d rows (%s), measured round:%n", rows, Workload.TABLE);
			lines.forEach(System.out::println);
			long peak = 0;
			for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
				if (pool.getType() == MemoryType.HEAP) {
					peak += pool.getPeakUsage().getUsed();
				}
			}
			System.out.printf(Locale.ROOT, "Max heap %,d MB; peak heap used (sum of the pools' peaks) %,d MB%n",
					Runtime.getRuntime().maxMemory() >> 20, peak >> 20);
		}
	}

	/** @return the CPU seconds this JVM spent so far (every thread: the engine's, the JIT's, the GC's) */
	private static double cpuSeconds() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime() / 1e9;
	}

	private static void report(List<String> lines, boolean measured, String engine, long rows, double seconds,
			double cpu) {
		String line = String.format(Locale.ROOT, "%-28s %8.2f s %,12.0f rows/s   JVM CPU %6.2f s", engine, seconds,
				rows / seconds, cpu);
		System.out.println((measured ? "" : "(warm-up) ") + line);
		if (measured) {
			lines.add(line);
		}
	}

	private static void reportRate(List<String> lines, boolean measured, String engine, double[] result) {
		String line = String.format(Locale.ROOT, "%-28s %8.2f s %,12.0f rows/s (%,.0f rows read)", engine, result[0],
				result[1] / result[0], result[1]);
		System.out.println((measured ? "" : "(warm-up) ") + line);
		if (measured) {
			lines.add(line);
		}
	}

	/**
	 * An incremental snapshot on a stream already streaming, optionally under a paced write load.
	 * @return the seconds from {@code start(table)} to its end, and the rows it read
	 */
	private static double[] incremental(TestDatabase database, int chunk, int readers, int rowsPerSecond, int round)
			throws Exception {
		try (ChangeStream stream = ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.tables(Workload.TABLE.toString())
			.publication("snapshot_incr_" + rowsPerSecond + "_" + readers + "_" + round)
			.snapshots(new SnapshotOptions(SnapshotMode.NEVER, chunk, (table) -> false,
					SnapshotOptions.DEFAULT_PROGRESS_TABLE, readers))
			.handler((batch) -> {
			})
			.start(); WriteLoad load = WriteLoad.start(database, rowsPerSecond)) {
			long start = System.nanoTime();
			stream.snapshots().start(Workload.TABLE);
			SnapshotStatus status;
			while ((status = stream.snapshots().status(Workload.TABLE).orElseThrow()).state() == SnapshotStatus.State.QUEUED
					|| status.state() == SnapshotStatus.State.RUNNING) {
				Thread.sleep(5); // polling the status: its resolution is the benchmark's
			}
			double seconds = (System.nanoTime() - start) / 1e9;
			if (status.state() != SnapshotStatus.State.DONE) {
				throw new IllegalStateException("Incremental snapshot ended " + status);
			}
			return new double[] { seconds, status.rowsRead() };
		}
	}

	// firstRows: only the first rows keys (after an incremental round the table has grown by the writer's)
	private static double copy(TestDatabase database, long rows, boolean firstRows) throws Exception {
		return copy(database, rows, firstRows, 0);
	}

	private static double copy(TestDatabase database, long rows, boolean firstRows, int rowsPerSecond)
			throws Exception {
		try (WriteLoad load = WriteLoad.start(database, rowsPerSecond)) {
			return copyRows(database, rows, firstRows);
		}
	}

	private static double copyRows(TestDatabase database, long rows, boolean firstRows) throws Exception {
		AtomicLong lines = new AtomicLong();
		OutputStream counting = new OutputStream() {
			@Override
			public void write(int b) {
				if (b == '\n') {
					lines.incrementAndGet();
				}
			}

			@Override
			public void write(byte[] bytes, int offset, int length) {
				for (int i = offset; i < offset + length; i++) {
					if (bytes[i] == '\n') {
						lines.incrementAndGet();
					}
				}
			}
		};
		long start = System.nanoTime();
		try (Connection connection = database.connect()) {
			connection.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyOut("COPY (SELECT * FROM " + Workload.TABLE.quoted() + " ORDER BY id"
						+ (firstRows ? " LIMIT " + rows : "") + ") TO STDOUT", counting);
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		check(rows, lines.get(), "COPY");
		return seconds;
	}

	private static double pgcdc(TestDatabase database, long rows, int chunk, int readers, int round) throws Exception {
		AtomicLong seen = new AtomicLong();
		AtomicLong firstRow = new AtomicLong();
		CountDownLatch done = new CountDownLatch(1);
		long start = System.nanoTime();
		try (ChangeStream stream = ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.tables(Workload.TABLE.toString())
			.publication("snapshot_bench_" + chunk + "_" + readers + "_" + round)
			.snapshots(new SnapshotOptions(SnapshotMode.INITIAL, chunk, (table) -> true,
					SnapshotOptions.DEFAULT_PROGRESS_TABLE, readers))
			.handler((batch) -> {
				long count = 0;
				for (CdcEvent event : batch.events()) {
					if (event instanceof ChangeEvent change && change.operation() == Operation.SNAPSHOT) {
						count++;
					}
				}
				if (count > 0) {
					firstRow.compareAndSet(0, System.nanoTime());
				}
				if (seen.addAndGet(count) >= rows) {
					done.countDown();
				}
			})
			.start()) {
			if (!done.await(30, TimeUnit.MINUTES)) {
				throw new IllegalStateException("pgcdc read " + seen.get() + " of " + rows + " rows");
			}
			long end = System.nanoTime();
			System.out.printf(Locale.ROOT, "  pgcdc: first row %.2f s after start(), the rows in the %.2f s after%n",
					(firstRow.get() - start) / 1e9, (end - firstRow.get()) / 1e9);
			return (end - start) / 1e9;
		}
	}

	private static double debezium(TestDatabase database, Workload workload, long rows, int round) throws Exception {
		String publication = "dbz_snapshot_pub_" + round;
		database.execute("CREATE PUBLICATION " + publication + " FOR TABLE " + Workload.TABLE.quoted());
		DrainTarget target = DrainTarget.live(database, workload, publication, "dbz_snapshot_" + round);
		Properties settings = new DebeziumDrain(500).settings(target);
		settings.setProperty("name", "pgcdc-snapshot-compare-" + round);
		settings.setProperty("snapshot.mode", "initial");
		AtomicLong seen = new AtomicLong();
		CountDownLatch done = new CountDownLatch(1);
		ExecutorService executor = Executors.newSingleThreadExecutor();
		long start = System.nanoTime();
		DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
			.using(settings)
			.notifying((List<RecordChangeEvent<SourceRecord>> records,
					DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) -> {
				for (RecordChangeEvent<SourceRecord> record : records) {
					committer.markProcessed(record);
				}
				committer.markBatchFinished();
				if (seen.addAndGet(records.size()) >= rows) {
					done.countDown();
				}
			})
			.build();
		executor.execute(engine);
		try {
			if (!done.await(30, TimeUnit.MINUTES)) {
				throw new IllegalStateException("Debezium read " + seen.get() + " of " + rows + " rows");
			}
			return (System.nanoTime() - start) / 1e9;
		}
		finally {
			engine.close();
			executor.shutdown();
			executor.awaitTermination(1, TimeUnit.MINUTES);
			database.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
					+ target.slot() + "' AND NOT active");
		}
	}

	private static void check(long expected, long actual, String engine) {
		if (actual != expected) {
			throw new IllegalStateException(engine + " read " + actual + " of " + expected + " rows");
		}
	}

	/** The paced writer of the incremental rounds (new keys after the table's), on its own thread. */
	private static final class WriteLoad implements AutoCloseable {

		private final @Nullable PacedWriter writer;

		private final @Nullable Thread thread;

		private WriteLoad(@Nullable PacedWriter writer, @Nullable Thread thread) {
			this.writer = writer;
			this.thread = thread;
		}

		/** @param rowsPerSecond 0 for none */
		static WriteLoad start(TestDatabase database, int rowsPerSecond) throws Exception {
			if (rowsPerSecond == 0) {
				return new WriteLoad(null, null);
			}
			long firstKey;
			try (Connection connection = database.connect();
					java.sql.Statement statement = connection.createStatement();
					java.sql.ResultSet max = statement.executeQuery("SELECT max(id) FROM " + Workload.TABLE.quoted())) {
				max.next();
				firstKey = max.getLong(1) + 1;
			}
			PacedWriter writer = new PacedWriter(database, rowsPerSecond, 10);
			Thread thread = new Thread(() -> {
				try {
					writer.write(firstKey, 0, TimeUnit.MINUTES.toNanos(30), new LatencyRecorder());
				}
				catch (java.sql.SQLException ex) {
					throw new IllegalStateException(ex);
				}
			}, "paced-writer");
			thread.start();
			Thread.sleep(1000); // let the load settle before what it loads starts
			return new WriteLoad(writer, thread);
		}

		@Override
		public void close() throws Exception {
			PacedWriter current = this.writer;
			Thread running = this.thread;
			if (current != null && running != null) {
				current.stop();
				running.join();
				current.close();
			}
		}

	}

}
