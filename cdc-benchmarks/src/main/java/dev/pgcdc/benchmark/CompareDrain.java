package dev.pgcdc.benchmark;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Locale;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;

/**
 * One run of the drain comparison, in a JVM of its own: make a database with the
 * {@link Workload} table, a publication and a pgoutput slot; insert the rows (not timed); then
 * start one consumer on the slot and time until the last event arrived. {@code compare.sh}
 * runs this for every engine and shape and prints the medians.
 * <p>
 * Arguments: {@code <pgcdc|pgcdc_binary|raw|debezium|pg_recvlogical|sql_get_changes> <one-tx|small-tx>
 * [rows (default 200000)] [rows per small transaction (default 1000)]}. The server is the one {@link TestPostgres}
 * picks: {@code -Dpgcdc.test.url=...} (what {@code compare.sh} passes) or an embedded one.
 * <p>
 * With {@code -Dwarmup.rows=N} the same engine first drains N rows of the same shape from a
 * database and slot of their own (not measured), so the measured drain runs on a warm JVM.
 * <p>
 * Prints a readable line and a {@code RESULT key=value ...} line for scripts.
 */
public final class CompareDrain {

	private static final String PUBLICATION = "compare_pub";

	private static final String SLOT = "compare_slot";

	private CompareDrain() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length < 2) {
			System.err.println("Usage: CompareDrain <pgcdc|pgcdc_binary|raw|debezium|pg_recvlogical|sql_get_changes>"
					+ " <one-tx|small-tx> [rows] [rows per tx]");
			System.exit(2);
		}
		DrainEngine engine = DrainEngine.named(args[0], 10);
		String shape = args[1];
		long rows = (args.length > 2) ? Long.parseLong(args[2].replace("_", "")) : 200_000;
		int perTransaction = (args.length > 3) ? Integer.parseInt(args[3]) : 1000;
		long warmupRows = Long.getLong("warmup.rows", 0);
		if (warmupRows > 0) {
			// same engine, same shape, its own database and slot: JIT and class loading out of the way
			try (TestDatabase database = TestPostgres.createDatabase("warmup_" + engine.name())) {
				DrainTarget target = prepare(database, shape, warmupRows, perTransaction);
				System.out.printf(Locale.ROOT, "warm-up: %,d events in %.3f s%n", warmupRows,
						engine.drain(target).drainSeconds());
			}
		}
		try (TestDatabase database = TestPostgres.createDatabase("compare_" + engine.name())) {
			long insertStart = System.nanoTime();
			DrainTarget target = prepare(database, shape, rows, perTransaction);
			double insertSeconds = (System.nanoTime() - insertStart) / 1e9;
			Workload workload = target.workload();
			double load = systemLoad();

			long allocatedBefore = allocatedBytes();
			DrainResult result = engine.drain(target);
			long allocated = allocatedBytes() - allocatedBefore;

			if (result.events() >= 0 && result.events() != rows) {
				throw new IllegalStateException(engine.name() + " counted " + result.events() + " events, expected " + rows);
			}
			String label = (shape.equals("one-tx") ? "one transaction of " + rows + " rows"
					: (rows / perTransaction) + " transactions of " + perTransaction + " rows")
					+ ((warmupRows > 0) ? " (warm JVM)" : " (cold JVM)");
			double eventsPerSecond = rows / result.drainSeconds();
			System.out.printf(Locale.ROOT,
					"%s, %s on PostgreSQL %s: drained in %.3f s (first event after %.3f s) -> %,.0f events/s;"
							+ " heap used %s MB, retained %s MB, allocated %s MB; slot confirmed %s, end %s;"
							+ " insert took %.2f s; load average %.2f%n",
					engine.name(), label, workload.serverVersion(), result.drainSeconds(), result.firstEventSeconds(),
					eventsPerSecond, megabytes(result.heapUsed()), megabytes(result.heapRetained()),
					(result.heapUsed() < 0) ? "-" : megabytes(allocated), workload.confirmedFlushLsn(SLOT),
					target.endLsn(), insertSeconds, load);
			System.out.printf(Locale.ROOT,
					"RESULT engine=%s shape=%s jvm=%s rows=%d drain_s=%.4f first_event_s=%.4f events_per_s=%.0f"
							+ " heap_used_mb=%s heap_retained_mb=%s allocated_mb=%s load1=%.2f%n",
					engine.name(), shape, (warmupRows > 0) ? "warm" : "cold", rows, result.drainSeconds(),
					result.firstEventSeconds(), eventsPerSecond, megabytes(result.heapUsed()),
					megabytes(result.heapRetained()), (result.heapUsed() < 0) ? "-" : megabytes(allocated), load);
		}
	}

	/** Create the table, publication and slot, then insert the rows of the shape (not timed). */
	private static DrainTarget prepare(TestDatabase database, String shape, long rows, int perTransaction) {
		Workload workload = Workload.create(database);
		workload.createPublicationAndSlot(PUBLICATION, SLOT);
		switch (shape) {
			case "one-tx" -> workload.insertOneTransaction(1, rows);
			case "small-tx" -> workload.insertInTransactionsOf(1, rows, perTransaction);
			default -> throw new IllegalArgumentException("Unknown shape '" + shape + "': use one-tx or small-tx");
		}
		return new DrainTarget(database, workload, PUBLICATION, SLOT, rows, workload.flushedEndOfWal());
	}

	private static long allocatedBytes() {
		java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		return (threads instanceof com.sun.management.ThreadMXBean hotspot) ? hotspot.getTotalThreadAllocatedBytes() : -1;
	}

	private static double systemLoad() {
		OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
		return os.getSystemLoadAverage();
	}

	private static String megabytes(long bytes) {
		return (bytes < 0) ? "-" : Long.toString(bytes / (1024 * 1024));
	}

}
