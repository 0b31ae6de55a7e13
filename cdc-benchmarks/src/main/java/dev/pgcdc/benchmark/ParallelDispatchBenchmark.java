package dev.pgcdc.benchmark;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.dispatch.ErrorPolicy;
import dev.pgcdc.dispatch.HandlerDefinition;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TableName;
import dev.pgcdc.filter.EventFilter;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.PublicationMode;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;

/**
 * What {@code cdc.dispatch.concurrency} buys: a durable slot's backlog drained through the
 * whole stream and an annotated-style handler ({@link HandlerMulticaster}) with 1, 2, 4, 8 and 16
 * threads, once with an I/O-bound handler (sleeps 2 ms per event: a remote call) and once with a
 * CPU-bound one (hashes the row for about as long as a small JSON mapping takes, 200 rounds of
 * SHA-256). Rounds alternate the thread counts so a busy machine slows all alike; the best round
 * of each is reported, with its speed-up over one thread.
 * <p>
 * Arguments: {@code [I/O rows (default 4000)] [CPU rows (default 20000)] [rows per transaction
 * (default 10)] [rounds (default 2)]}.
 */
public final class ParallelDispatchBenchmark {

	private static final int[] THREADS = { 1, 2, 4, 8, 16 };

	private ParallelDispatchBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int ioRows = (args.length > 0) ? Integer.parseInt(args[0].replace("_", "")) : 4_000;
		int cpuRows = (args.length > 1) ? Integer.parseInt(args[1].replace("_", "")) : 20_000;
		int perTransaction = (args.length > 2) ? Integer.parseInt(args[2]) : 10;
		int rounds = (args.length > 3) ? Integer.parseInt(args[3]) : 2;
		System.out.printf(Locale.ROOT, "dispatch benchmark: %,d (I/O) / %,d (CPU) rows in transactions of %d, %d rounds,"
				+ " %d cores%n", ioRows, cpuRows, perTransaction, rounds, Runtime.getRuntime().availableProcessors());
		try (TestDatabase database = TestPostgres.createDatabase("dispatch_bench")) {
			System.out.println("server: " + database);
			database.execute("CREATE TABLE source (id int PRIMARY KEY, payload text)",
					"CREATE PUBLICATION dispatch_bench_pub FOR TABLE source");
			List<String> lines = new ArrayList<>();
			StringBuilder header = new StringBuilder("| handler |");
			StringBuilder rule = new StringBuilder("|---|");
			for (int threads : THREADS) {
				header.append(' ').append(threads).append(threads == 1 ? " thread |" : " threads |");
				rule.append("---|");
			}
			lines.add(header.toString());
			lines.add(rule.toString());
			int runs = 0;
			for (Work work : Work.values()) {
				int rows = (work == Work.IO) ? ioRows : cpuRows;
				double[] best = new double[THREADS.length];
				for (int round = 0; round < rounds; round++) {
					for (int i = 0; i < THREADS.length; i++) {
						best[i] = Math.max(best[i], drain(database, rows, perTransaction, THREADS[i], work, runs++));
					}
				}
				StringBuilder line = new StringBuilder("| ").append(work.description).append(" |");
				for (int i = 0; i < THREADS.length; i++) {
					line.append(String.format(Locale.ROOT, " %,.0f (%.1f×) |", best[i], best[i] / best[0]));
				}
				lines.add(line.toString());
			}
			lines.forEach(System.out::println);
		}
	}

	private static double drain(TestDatabase database, int rows, int perTransaction, int threads, Work work, int run)
			throws Exception {
		String slot = "dispatch_bench_" + run;
		database.execute("TRUNCATE source", "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
		OffsetStoreBenchmark.insert(database, rows, perTransaction);
		try {
			Handler handler = new Handler(work);
			HandlerRegistry registry = new HandlerRegistry();
			registry.register(new HandlerDefinition("work", "work", handler, Handler.METHOD, 0,
					Set.of(TableName.parse("source")), EventFilter.acceptAll(), null));
			HandlerMulticaster multicaster = new HandlerMulticaster(registry, HandlerMulticaster.defaultRetryPolicy(),
					ErrorPolicy.STOP, null);
			long start = System.nanoTime();
			try (ChangeStream stream = ChangeStream.builder()
				.url(database.jdbcUrl())
				.username(database.username())
				.password(database.password())
				.tables("source")
				.publication("dispatch_bench_pub")
				.publicationMode(PublicationMode.EXISTING)
				.slot(slot)
				.durable(true)
				.concurrency(threads)
				.handler(multicaster)
				.start()) {
				long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
				while (handler.events.get() < rows) {
					if (System.nanoTime() > deadline) {
						throw new IllegalStateException("Drained " + handler.events.get() + " of " + rows + " events");
					}
					synchronized (handler.events) {
						handler.events.wait(20);
					}
				}
				long nanos = System.nanoTime() - start;
				double rate = rows / (nanos / 1e9);
				System.out.printf(Locale.ROOT, "  %-4s %2d threads %,9.0f events/s (%,d ms)%n", work, threads, rate,
						nanos / 1_000_000);
				return rate;
			}
		}
		finally {
			database.execute("SELECT pg_drop_replication_slot('" + slot + "')");
		}
	}

	enum Work {

		IO("I/O-bound (2 ms sleep per event)"), CPU("CPU-bound (200 × SHA-256 per event)");

		final String description;

		Work(String description) {
			this.description = description;
		}

	}

	/** The handler: does the work, counts. */
	static final class Handler {

		static final Method METHOD;

		static {
			try {
				METHOD = Handler.class.getDeclaredMethod("onRow", ChangeEvent.class);
			}
			catch (NoSuchMethodException ex) {
				throw new IllegalStateException(ex);
			}
		}

		final AtomicLong events = new AtomicLong();

		final AtomicLong sink = new AtomicLong();

		private final Work work;

		Handler(Work work) {
			this.work = work;
		}

		void onRow(ChangeEvent event) throws Exception {
			if (this.work == Work.IO) {
				Thread.sleep(2);
			}
			else {
				MessageDigest digest = MessageDigest.getInstance("SHA-256");
				byte[] value = String.valueOf(event.newRecord()).getBytes(StandardCharsets.UTF_8);
				for (int i = 0; i < 200; i++) {
					value = digest.digest(value);
				}
				this.sink.addAndGet(value[0]);
			}
			if (this.events.incrementAndGet() % 100 == 0) {
				synchronized (this.events) {
					this.events.notifyAll();
				}
			}
		}

	}

}
