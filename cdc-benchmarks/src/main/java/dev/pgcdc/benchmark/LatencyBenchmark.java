package dev.pgcdc.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.HdrHistogram.Histogram;

/**
 * Latency at a fixed write rate: for every row, the time from its transaction's commit (the
 * commit timestamp PostgreSQL writes in the WAL and sends in Begin) to the event reaching the
 * consumer's handler, on the clock server and consumer share on this machine.
 * <p>
 * For each round, rate and engine (in that order, so engines alternate within a rate and a
 * change in the machine's load hits all of them): a fresh database, table, publication and
 * slot; the consumer started and a probe row awaited (it streams); then a {@link PacedWriter}
 * writes on schedule for the warm-up (not recorded) and the measurement, always one transaction
 * every {@code rows per transaction / rate} seconds; then the benchmark waits for every event
 * written before it reads the histogram, so late arrivals count. Percentiles over all rounds
 * come from the merged histograms.
 * <p>
 * Arguments: {@code [measured seconds (20)] [warm-up seconds (5)] [rounds (2)]
 * [engines (pgcdc,debezium,raw)] [rates as rows-per-second:rows-per-transaction
 * (1000:1,10000:10,30000:30)]}. Engines: {@code pgcdc} ({@link PgcdcDrain}, text values),
 * {@code debezium} ({@link DebeziumDrain} with {@code poll.interval.ms=1}: it hands a batch over
 * when it is full or the interval has passed, so the interval is its latency floor;
 * {@code -Ddebezium.poll.interval.ms} overrides), {@code raw} ({@link RawDrain}: pgjdbc's stream,
 * nothing decoded, reporting at each Commit: the floor for a JVM client). The server is the one
 * {@link TestPostgres} picks (embedded unless {@code -Dpgcdc.test.url=...}).
 * <p>
 * Prints a line and a {@code RESULT key=value ...} line per case, then a Markdown table.
 */
public final class LatencyBenchmark {

	private static final String PUBLICATION = "latency_pub";

	private static final String SLOT = "latency_slot";

	private LatencyBenchmark() {
	}

	/** One write rate: rows per second in transactions of a given size. */
	private record Rate(int rowsPerSecond, int rowsPerTransaction) {

		static Rate parse(String text) {
			String[] parts = text.trim().split(":");
			return new Rate(Integer.parseInt(parts[0].replace("_", "")), Integer.parseInt(parts[1]));
		}

		@Override
		public String toString() {
			return String.format(Locale.ROOT, "%,d rows/s (%d row%s/tx)", this.rowsPerSecond, this.rowsPerTransaction,
					(this.rowsPerTransaction == 1) ? "" : "s");
		}

	}

	/** What the rounds of one engine at one rate measured. */
	private static final class Summary {

		final Histogram merged = new Histogram(3);

		final List<Double> p99s = new ArrayList<>();

		final List<Double> loads = new ArrayList<>();

		long maxLateMicros;

		double lowestWriterRate = Double.MAX_VALUE;

	}

	public static void main(String[] args) throws Exception {
		int seconds = (args.length > 0) ? Integer.parseInt(args[0]) : 20;
		int warmupSeconds = (args.length > 1) ? Integer.parseInt(args[1]) : 5;
		int rounds = (args.length > 2) ? Integer.parseInt(args[2]) : 2;
		List<StreamingEngine> engines = new ArrayList<>();
		for (String name : ((args.length > 3) ? args[3] : "pgcdc,debezium,raw").split(",")) {
			engines.add((StreamingEngine) DrainEngine.named(name.trim(), 1));
		}
		List<Rate> rates = new ArrayList<>();
		for (String rate : ((args.length > 4) ? args[4] : "1000:1,10000:10,30000:30").split(",")) {
			rates.add(Rate.parse(rate));
		}
		System.out.printf(Locale.ROOT, "Latency benchmark: %d s measured after %d s warm-up, %d round(s), engines %s,"
				+ " rates %s; %d cores, JVM max heap %d MB, %s %s%n", seconds, warmupSeconds, rounds,
				engines.stream().map(DrainEngine::name).toList(), rates, Runtime.getRuntime().availableProcessors(),
				Runtime.getRuntime().maxMemory() / (1024 * 1024), System.getProperty("java.vm.name"),
				System.getProperty("java.version"));
		System.out.println("Server: " + TestPostgres.server().describe() + " (the writer commits with synchronous_commit=on)");
		System.out.println("Load before: " + loadAverages());

		Map<String, Summary> summaries = new LinkedHashMap<>();
		for (int round = 1; round <= rounds; round++) {
			for (Rate rate : rates) {
				for (StreamingEngine engine : engines) {
					measure(round, engine, rate, warmupSeconds, seconds,
							summaries.computeIfAbsent(engine.name() + " " + rate, (key) -> new Summary()));
				}
			}
		}
		System.out.println("Load after: " + loadAverages());
		System.out.println();
		System.out.println("| rate | engine | events | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | p99 ms per round"
				+ " | writer late max ms | writer rows/s (lowest) | load (1 min) |");
		System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
		for (Rate rate : rates) {
			for (StreamingEngine engine : engines) {
				Summary summary = java.util.Objects.requireNonNull(summaries.get(engine.name() + " " + rate),
						"every engine was measured at every rate");
				String[] p = percentiles(summary.merged);
				System.out.printf(Locale.ROOT, "| %s | %s | %,d | %s | %s | %s | %s | %s | %s | %.1f | %,.0f | %s |%n", rate,
						engine.name(), summary.merged.getTotalCount(), p[0], p[1], p[2], p[3], p[4],
						join(summary.p99s, "%.2f"), summary.maxLateMicros / 1000.0, summary.lowestWriterRate,
						join(summary.loads, "%.1f"));
			}
		}
	}

	private static void measure(int round, StreamingEngine engine, Rate rate, int warmupSeconds, int seconds,
			Summary summary) throws Exception {
		try (TestDatabase database = TestPostgres.createDatabase("latency_" + engine.name())) {
			Workload workload = Workload.create(database);
			workload.createPublicationAndSlot(PUBLICATION, SLOT);
			LatencyRecorder recorder = new LatencyRecorder();
			PacedWriter.Result written;
			try (AutoCloseable consumer = engine.open(DrainTarget.live(database, workload, PUBLICATION, SLOT), recorder);
					PacedWriter writer = new PacedWriter(database, rate.rowsPerSecond(), rate.rowsPerTransaction())) {
				// key 0: the consumer is up and streaming before the clock starts
				workload.insertOneTransaction(0, 1);
				recorder.awaitCount(1, Duration.ofMinutes(2));
				written = writer.write(1, TimeUnit.SECONDS.toNanos(warmupSeconds), TimeUnit.SECONDS.toNanos(seconds),
						recorder);
				// the probe, every row written, and one marker committed after the window: wait for all
				recorder.expect(1 + written.rows() + 1);
				workload.insertOneTransaction(1 + written.rows(), 1);
				recorder.await(System.nanoTime(), Duration.ofMinutes(10));
			}
			Histogram latency = recorder.histogram();
			if (latency.getTotalCount() != written.measuredRows()) {
				throw new IllegalStateException(engine.name() + " recorded " + latency.getTotalCount() + " events of "
						+ written.measuredRows() + " measured rows");
			}
			double load = loadAverage();
			Histogram late = written.lateMicros();
			String[] p = percentiles(latency);
			System.out.printf(Locale.ROOT,
					"round %d, %s, %s: %,d events, latency ms p50 %s p90 %s p99 %s p99.9 %s max %s;"
							+ " writer %,.0f rows/s, late p99 %.2f ms max %.2f ms; %d negative; load %.2f%n",
					round, engine.name(), rate, latency.getTotalCount(), p[0], p[1], p[2], p[3], p[4], written.measuredRate(),
					late.getValueAtPercentile(99) / 1000.0, late.getMaxValue() / 1000.0, recorder.negative(), load);
			System.out.printf(Locale.ROOT,
					"RESULT round=%d engine=%s rows_per_s=%d rows_per_tx=%d events=%d p50_ms=%s p90_ms=%s p99_ms=%s"
							+ " p999_ms=%s max_ms=%s writer_rows_per_s=%.0f writer_late_max_ms=%.3f load1=%.2f%n",
					round, engine.name(), rate.rowsPerSecond(), rate.rowsPerTransaction(), latency.getTotalCount(), p[0],
					p[1], p[2], p[3], p[4], written.measuredRate(), late.getMaxValue() / 1000.0, load);
			summary.merged.add(latency);
			summary.p99s.add(latency.getValueAtPercentile(99) / 1000.0);
			summary.loads.add(load);
			summary.maxLateMicros = Math.max(summary.maxLateMicros, late.getMaxValue());
			summary.lowestWriterRate = Math.min(summary.lowestWriterRate, written.measuredRate());
		}
	}

	/** @return p50, p90, p99, p99.9 and max in milliseconds, three decimals */
	private static String[] percentiles(Histogram micros) {
		long[] values = { micros.getValueAtPercentile(50), micros.getValueAtPercentile(90),
				micros.getValueAtPercentile(99), micros.getValueAtPercentile(99.9), micros.getMaxValue() };
		String[] millis = new String[values.length];
		for (int i = 0; i < values.length; i++) {
			millis[i] = String.format(Locale.ROOT, "%.3f", values[i] / 1000.0);
		}
		return millis;
	}

	private static String join(List<Double> values, String format) {
		return String.join(", ", values.stream().map((value) -> String.format(Locale.ROOT, format, value)).toList());
	}

	private static double loadAverage() {
		return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
	}

	private static String loadAverages() throws IOException {
		Path loadavg = Path.of("/proc/loadavg");
		return Files.exists(loadavg) ? Files.readString(loadavg).trim() : String.format(Locale.ROOT, "%.2f", loadAverage());
	}

}
