package dev.pgcdc.benchmark;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
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
import dev.pgcdc.offsets.JdbcOffsetStore;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.ChangeStreamBuilder;
import dev.pgcdc.replication.PublicationMode;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * What {@code cdc.offsets.store=jdbc} costs: a backlog of rows on a durable slot drained through
 * the whole stream and an annotated-style handler ({@link HandlerMulticaster}), once with the
 * slot only ({@code server}) and once with {@link JdbcOffsetStore} ({@code jdbc}: a database
 * transaction per source transaction, a savepoint per handler call, the position row updated),
 * also without savepoints (as the starter runs it under STOP without retries), each with a handler that does nothing and with one that inserts one effect row per event on
 * the same database (autocommit for {@code server}, in the transaction for {@code jdbc}). Rounds
 * alternate the stores so a busy machine slows both alike; the best round of each is reported.
 * <p>
 * Arguments: {@code [rows (default 50000)] [rows per transaction (default 10)] [rounds (default 3)]}.
 */
public final class OffsetStoreBenchmark {

	private OffsetStoreBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int rows = (args.length > 0) ? Integer.parseInt(args[0].replace("_", "")) : 50_000;
		int perTransaction = (args.length > 1) ? Integer.parseInt(args[1]) : 10;
		int rounds = (args.length > 2) ? Integer.parseInt(args[2]) : 3;
		System.out.printf(Locale.ROOT, "offset store benchmark: %,d rows in transactions of %d, %d rounds, %d cores%n",
				rows, perTransaction, rounds, Runtime.getRuntime().availableProcessors());
		try (TestDatabase database = TestPostgres.createDatabase("offsets_bench")) {
			System.out.println("server: " + database);
			database.execute("CREATE TABLE source (id int PRIMARY KEY, payload text)",
					"CREATE TABLE effects (source_id int NOT NULL)",
					// before the slots: pgoutput looks the publication up as of each change's time
					"CREATE PUBLICATION offsets_bench_pub FOR TABLE source");
			List<String> lines = new ArrayList<>();
			lines.add("| handler | server | jdbc, savepoints (retries or skip) | jdbc, no savepoints (stop, no retries) |");
			lines.add("|---|---|---|---|");
			int runs = 0;
			for (boolean writes : new boolean[] { false, true }) {
				double[] best = new double[3];
				for (int round = 0; round < rounds; round++) {
					for (int store = 0; store < 3; store++) {
						double rate = drain(database, rows, perTransaction, store, writes, runs++);
						best[store] = Math.max(best[store], rate);
					}
				}
				String handler = writes ? "insert one effect row per event" : "no-op handler";
				lines.add(String.format(Locale.ROOT,
						"| %s | %,.0f | %,.0f (%.2f) | %,.0f (%.2f) |", handler, best[0], best[1], best[1] / best[0],
						best[2], best[2] / best[0]));
			}
			lines.forEach(System.out::println);
		}
	}

	/**
	 * @param store 0: server; 1: jdbc with a savepoint per handler call (what retries or SKIP need);
	 * 2: jdbc without savepoints (STOP without retries, as the starter sets it up)
	 */
	private static double drain(TestDatabase database, int rows, int perTransaction, int store, boolean writes,
			int run) throws Exception {
		boolean jdbc = store > 0;
		String slot = "offsets_bench_" + run;
		database.execute("TRUNCATE source, effects", "DROP TABLE IF EXISTS pgcdc_offsets",
				"SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
		insert(database, rows, perTransaction);
		SingleConnectionDataSource dataSource = new SingleConnectionDataSource(database.jdbcUrl(), database.username(),
				database.password(), true);
		try {
			Effects effects = new Effects(new JdbcTemplate(dataSource), writes);
			HandlerRegistry registry = new HandlerRegistry();
			registry.register(new HandlerDefinition("effects", "effects", effects, Effects.METHOD, 0,
					Set.of(TableName.parse("source")), EventFilter.acceptAll(), null));
			HandlerMulticaster multicaster = new HandlerMulticaster(registry, HandlerMulticaster.defaultRetryPolicy(),
					ErrorPolicy.STOP, null);
			ChangeStreamBuilder builder = ChangeStream.builder()
				.url(database.jdbcUrl())
				.username(database.username())
				.password(database.password())
				.tables("source")
				.publication("offsets_bench_pub")
				.publicationMode(PublicationMode.EXISTING)
				.slot(slot)
				.durable(true)
				.handler(multicaster);
			if (jdbc) {
				JdbcOffsetStore offsets = new JdbcOffsetStore(new DataSourceTransactionManager(dataSource), dataSource,
						JdbcOffsetStore.DEFAULT_TABLE);
				if (store == 1) {
					multicaster.setCallScope(offsets);
				}
				builder.offsetStore(offsets);
			}
			long start = System.nanoTime();
			try (ChangeStream stream = builder.start()) {
				long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
				while (effects.events.get() < rows) {
					if (System.nanoTime() > deadline) {
						throw new IllegalStateException("Drained " + effects.events.get() + " of " + rows + " events");
					}
					synchronized (effects.events) {
						effects.events.wait(50);
					}
				}
				long nanos = System.nanoTime() - start;
				double rate = rows / (nanos / 1e9);
				System.out.printf(Locale.ROOT, "  %-16s %-8s %,9.0f events/s (%,d ms)%n",
						new String[] { "server", "jdbc+savepoints", "jdbc" }[store],
						writes ? "writes" : "no-op", rate, nanos / 1_000_000);
				return rate;
			}
		}
		finally {
			dataSource.destroy();
			database.execute("SELECT pg_drop_replication_slot('" + slot + "')");
		}
	}

	static void insert(TestDatabase database, int rows, int perTransaction) throws Exception {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection.prepareStatement("INSERT INTO source VALUES (?, 'payload')")) {
			connection.setAutoCommit(false);
			for (int id = 1; id <= rows; id++) {
				statement.setInt(1, id);
				statement.addBatch();
				if (id % perTransaction == 0 || id == rows) {
					statement.executeBatch();
					connection.commit();
				}
			}
		}
	}

	/** The handler: counts, and optionally writes one effect row per event. */
	static final class Effects {

		static final Method METHOD;

		static {
			try {
				METHOD = Effects.class.getDeclaredMethod("onRow", ChangeEvent.class);
			}
			catch (NoSuchMethodException ex) {
				throw new IllegalStateException(ex);
			}
		}

		final AtomicLong events = new AtomicLong();

		private final JdbcTemplate jdbc;

		private final boolean writes;

		Effects(JdbcTemplate jdbc, boolean writes) {
			this.jdbc = jdbc;
			this.writes = writes;
		}

		void onRow(ChangeEvent event) {
			if (this.writes) {
				this.jdbc.update("INSERT INTO effects VALUES (?)", java.util.Objects.requireNonNull(event.newRecord()).get("id"));
			}
			if (this.events.incrementAndGet() % 1000 == 0) {
				synchronized (this.events) {
					this.events.notifyAll();
				}
			}
		}

	}

}
