package dev.pgcdc.benchmark;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;

/**
 * End-to-end drain measurement: rows inserted on a real PostgreSQL (embedded unless
 * {@code pgcdc.test.url} names one) travel through the whole stream (walsender, pgjdbc,
 * decoder, assembler, queue, dispatcher) to a consumer that only counts them. The rows are
 * those of {@link Workload} (10 columns), as in {@link CompareDrain}.
 * <p>
 * Two shapes: one transaction of N rows (the server sends it after the commit, so the
 * drain time is measured from the commit) and N rows in transactions of 10 (events flow
 * while rows are inserted, so the time is measured from the first insert).
 * <p>
 * Arguments: {@code [rows (default 1000000)] [rows per small transaction (default 10)] [text|binary]}.
 */
public final class DrainBenchmark {

	private DrainBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int rows = (args.length > 0) ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
		int perTransaction = (args.length > 1) ? Integer.parseInt(args[1]) : 10;
		boolean binary = (args.length > 2) && "binary".equals(args[2]);
		System.out.printf(Locale.ROOT, "pgcdc drain benchmark: %,d rows, %s values, JVM max heap %d MB, %d cores%n",
				rows, binary ? "binary" : "text", Runtime.getRuntime().maxMemory() / (1024 * 1024),
				Runtime.getRuntime().availableProcessors());
		try (TestDatabase database = TestPostgres.createDatabase("drain")) {
			System.out.println("server: " + database);
			Workload workload = Workload.create(database);
			AtomicLong events = new AtomicLong();
			AtomicLong lastEventNanos = new AtomicLong();
			try (ChangeStream stream = ChangeStream.builder()
				.url(database.jdbcUrl())
				.username(database.username())
				.password(database.password())
				.tables("bench")
				.binary(binary)
				.handler((TransactionBatch batch) -> {
					lastEventNanos.set(System.nanoTime());
					events.addAndGet(batch.events().size());
					if (batch.last()) {
						// wake the measuring thread once per transaction, not per event
						synchronized (events) {
							events.notifyAll();
						}
					}
				})
				.start()) {
				// warm up the path (JIT, Relation message) with a small transaction
				workload.insertOneTransaction(-1000, 1000);
				database.execute("DELETE FROM " + Workload.TABLE.quoted());
				awaitCount(events, 2000);

				events.set(0);
				long start = System.nanoTime();
				workload.insertOneTransaction(1, rows);
				long committed = System.nanoTime();
				long cpu = processCpuNanos();
				awaitCount(events, rows);
				report("one transaction of " + rows + " rows", rows, start, committed, lastEventNanos.get(), true);
				printCpu(cpu, committed, lastEventNanos.get());

				workload.truncate();
				awaitCount(events, rows + 1);
				events.set(0);
				cpu = processCpuNanos();
				start = System.nanoTime();
				workload.insertInTransactionsOf(1, rows, perTransaction);
				committed = System.nanoTime();
				awaitCount(events, rows);
				report((rows / perTransaction) + " transactions of " + perTransaction + " rows", rows, start, committed,
						lastEventNanos.get(), false);
				printCpu(cpu, start, lastEventNanos.get());
				System.out.println("stream status: " + stream.status());
			}
		}
	}

	private static void awaitCount(AtomicLong events, long expected) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
		synchronized (events) {
			while (events.get() < expected) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					throw new IllegalStateException("Only " + events.get() + " of " + expected + " events arrived");
				}
				events.wait(Math.max(1, left / 1_000_000));
			}
		}
	}

	/** @return CPU time this JVM used so far, or -1 where the platform does not say */
	private static long processCpuNanos() {
		if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
			return os.getProcessCpuTime();
		}
		return -1;
	}

	private static void printCpu(long cpuBefore, long from, long to) {
		long cpu = processCpuNanos();
		if (cpuBefore >= 0 && cpu >= 0) {
			// how busy the client was: well below one core means the server is what limits the drain
			System.out.printf(Locale.ROOT, "  client CPU %.2f s over %.2f s wall (%.0f%% of one core)%n",
					(cpu - cpuBefore) / 1e9, (to - from) / 1e9, 100.0 * (cpu - cpuBefore) / (to - from));
		}
	}

	private static void report(String shape, int rows, long start, long committed, long lastEvent, boolean fromCommit) {
		double insertSeconds = (committed - start) / 1e9;
		double totalSeconds = (lastEvent - start) / 1e9;
		double drainSeconds = (lastEvent - (fromCommit ? committed : start)) / 1e9;
		System.out.printf(Locale.ROOT,
				"%s: insert %.2f s, last event %.2f s after the %s, %.2f s in all -> %,.0f events/s (drain)%n", shape,
				insertSeconds, drainSeconds, fromCommit ? "commit" : "first insert", totalSeconds, rows / drainSeconds);
	}

}
