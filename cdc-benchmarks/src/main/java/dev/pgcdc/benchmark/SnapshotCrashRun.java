package dev.pgcdc.benchmark;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.snapshot.SnapshotMode;
import dev.pgcdc.snapshot.SnapshotOptions;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;

/**
 * The crash test in separate JVMs ({@code cdc-benchmarks/snapshot-crash.sh}): a child
 * JVM on a durable slot snapshots a 300,000-row table — its initial snapshot, or with
 * {@code -Dcrash.mode=incremental} one started on demand while streaming — while this JVM writes to
 * the table (inserts, updates, deletes); the child appends every event it handles to a file before
 * the batch is acknowledged. Once the progress table shows a third of the rows, this JVM kills it
 * with SIGKILL ({@code Process.destroyForcibly()}, {@code kill -9}). A second child on the same slot
 * must resume by itself: every SNAPSHOT key it reads lies after the last key the progress table held
 * at the kill. Then the writer stops, the second child catches up and exits, and the oracle: the
 * replica built from both children's events, in order, equals the table row for row. Exit status 0
 * when both hold.
 */
public final class SnapshotCrashRun {

	private static final long ROWS = Long.getLong("rows", 300_000);

	private static final boolean INCREMENTAL = "incremental".equals(System.getProperty("crash.mode", "initial"));

	private SnapshotCrashRun() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length > 0 && args[0].equals("child")) {
			child(args[1], args[2], args[3], Path.of(args[4]), Boolean.parseBoolean(args[5]), Path.of(args[6]));
			return;
		}
		try (TestDatabase database = TestPostgres.createDatabase("snapshot_crash")) {
			database.execute("CREATE TABLE crash (id bigint PRIMARY KEY, payload text)",
					"INSERT INTO crash SELECT g, repeat('x', 100) FROM generate_series(1, " + ROWS + ") g",
					"ANALYZE crash");
			Path first = Files.createTempFile("snapshot-crash-1-", ".events");
			Path second = Files.createTempFile("snapshot-crash-2-", ".events");
			Path stop = Files.createTempFile("snapshot-crash-", ".stop");
			Files.delete(stop);
			Writer writer = new Writer(database);
			Thread writing = new Thread(writer, "crash-writer");
			writing.start();
			Process victim = launch(database, first, true, stop);
			long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
			while (rowsRead(database) < ROWS / 3) {
				if (!victim.isAlive() || System.nanoTime() > deadline) {
					throw new IllegalStateException("the first child ended or stalled before a third of the rows");
				}
				java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
			}
			victim.destroyForcibly();
			victim.waitFor();
			String lastKey = lastKey(database);
			long lastDelivered = Long.parseLong(lastKey);
			System.out.println("killed (SIGKILL) the first JVM during its " + (INCREMENTAL ? "incremental" : "initial")
					+ " snapshot; progress table: last delivered key " + lastDelivered + ", rows read " + rowsRead(database));
			Process resumed = launch(database, second, false, stop);
			// writes go on while the second JVM resumes, then stop: it catches up and exits
			deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
			while (!"DONE".equals(state(database))) {
				if (!resumed.isAlive() || System.nanoTime() > deadline) {
					throw new IllegalStateException("the second child ended or stalled before the snapshot's end");
				}
				java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
			}
			writer.stop();
			writing.join();
			Files.createFile(stop);
			if (resumed.waitFor() != 0) {
				throw new IllegalStateException("the second child failed");
			}
			List<String> before = Files.readAllLines(first);
			List<String> after = Files.readAllLines(second);
			long min = after.stream().filter((line) -> line.startsWith("SNAPSHOT\t"))
				.mapToLong((line) -> Long.parseLong(line.split("\t")[1])).min().orElse(Long.MAX_VALUE);
			java.util.Map<Long, String> replica = new java.util.HashMap<>();
			apply(before, replica);
			apply(after, replica);
			java.util.Map<Long, String> source = table(database);
			long differing = source.entrySet().stream().filter((row) -> !row.getValue().equals(replica.get(row.getKey()))).count()
					+ replica.keySet().stream().filter((key) -> !source.containsKey(key)).count();
			System.out.println("writer: " + writer.operations + " inserts, updates and deletes; first JVM handled "
					+ before.size() + " events, second JVM " + after.size() + "; smallest SNAPSHOT key after the restart "
					+ min + "; replica " + replica.size() + " rows, table " + source.size() + " rows, " + differing
					+ " differing");
			if (min <= lastDelivered || differing != 0) {
				System.out.println("FAILED: rows before the last delivered chunk were read again, or the replica differs");
				System.exit(1);
			}
			System.out.println("OK: resumed after the last delivered chunk; the replica equals the table");
		}
	}

	// an event line: operation, key, payload (an empty payload for a DELETE)
	private static void apply(List<String> lines, java.util.Map<Long, String> replica) {
		for (String line : lines) {
			String[] fields = line.split("\t", 3);
			long key = Long.parseLong(fields[1]);
			if (fields[0].equals("DELETE")) {
				replica.remove(key);
			}
			else {
				replica.put(key, fields[2]);
			}
		}
	}

	private static java.util.Map<Long, String> table(TestDatabase database) throws Exception {
		java.util.Map<Long, String> rows = new java.util.HashMap<>();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT id, payload FROM crash")) {
			while (row.next()) {
				rows.put(row.getLong(1), row.getString(2));
			}
		}
		return rows;
	}

	private static Process launch(TestDatabase database, Path events, boolean first, Path stop) throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		return new ProcessBuilder(java, "-Xmx256m", "-Dcrash.mode=" + (INCREMENTAL ? "incremental" : "initial"), "-cp",
				System.getProperty("java.class.path"), SnapshotCrashRun.class.getName(), "child", database.jdbcUrl(),
				database.username(), database.password(), events.toString(), Boolean.toString(first), stop.toString())
			.inheritIO()
			.start();
	}

	private static void child(String url, String username, String password, Path events, boolean first, Path stop)
			throws Exception {
		dev.pgcdc.event.TableName table = dev.pgcdc.event.TableName.parse("crash");
		try (BufferedWriter out = Files.newBufferedWriter(events, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
				ChangeStream stream = ChangeStream.builder()
					.url(url)
					.username(username)
					.password(password)
					.tables("crash")
					.publication("crash_pub")
					.slot("crash_slot")
					.durable(true)
					.snapshots(new SnapshotOptions(INCREMENTAL ? SnapshotMode.NEVER : SnapshotMode.INITIAL, 2000,
							(name) -> true, SnapshotOptions.DEFAULT_PROGRESS_TABLE))
					.handler((batch) -> {
						for (CdcEvent event : batch.events()) {
							if (event instanceof ChangeEvent change) {
								java.util.Map<String, ?> row = (change.operation() == Operation.DELETE) ? change.oldRecord()
										: change.newRecord();
								if (row != null && change.operation() != Operation.TRUNCATE) {
									Object payload = (change.operation() == Operation.DELETE) ? "" : row.get("payload");
									out.write(change.operation() + "\t" + row.get("id") + "\t" + payload);
									out.newLine();
								}
							}
						}
						// what was handled is on disk before the batch counts as delivered
						out.flush();
					})
					.start()) {
			if (INCREMENTAL && first) {
				// on demand, while streaming; the second JVM resumes it by itself
				stream.snapshots().start(table);
			}
			long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
			while (!Files.exists(stop) || stream.snapshots().status(table).map((status) -> status.state().name()).orElse("").equals("DONE") == false) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("no end of the snapshot");
				}
				Thread.sleep(50);
			}
			stream.awaitCaughtUp(Duration.ofMinutes(1));
		}
	}

	private static String state(TestDatabase database) throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT state FROM pgcdc_snapshots WHERE table_name = '\"public\".\"crash\"'")) {
			return row.next() ? row.getString(1) : "";
		}
		catch (java.sql.SQLException ex) {
			return "";
		}
	}

	/** Inserts (new keys), updates and deletes of random rows, a few hundred a second, until stopped. */
	private static final class Writer implements Runnable {

		private final TestDatabase database;

		private volatile boolean running = true;

		volatile long operations;

		Writer(TestDatabase database) {
			this.database = database;
		}

		void stop() {
			this.running = false;
		}

		@Override
		public void run() {
			java.util.Random random = new java.util.Random(7);
			long next = ROWS + 1;
			try (Connection connection = this.database.connect();
					java.sql.PreparedStatement insert = connection.prepareStatement("INSERT INTO crash VALUES (?, ?)");
					java.sql.PreparedStatement update = connection.prepareStatement("UPDATE crash SET payload = ? WHERE id = ?");
					java.sql.PreparedStatement delete = connection.prepareStatement("DELETE FROM crash WHERE id = ?")) {
				while (this.running) {
					int kind = random.nextInt(3);
					if (kind == 0) {
						insert.setLong(1, next++);
						insert.setString(2, "new " + this.operations);
						insert.executeUpdate();
					}
					else if (kind == 1) {
						update.setString(1, "updated " + this.operations);
						update.setLong(2, 1 + (long) (random.nextDouble() * (next - 1)));
						update.executeUpdate();
					}
					else {
						delete.setLong(1, 1 + (long) (random.nextDouble() * (next - 1)));
						delete.executeUpdate();
					}
					this.operations++;
					java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
				}
			}
			catch (java.sql.SQLException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

	private static long rowsRead(TestDatabase database) throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT coalesce(max(rows_read), 0) FROM pgcdc_snapshots")) {
			return row.next() ? row.getLong(1) : 0;
		}
		catch (java.sql.SQLException ex) {
			// not created yet
			return 0;
		}
	}

	private static String lastKey(TestDatabase database) throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT last_key FROM pgcdc_snapshots WHERE table_name = '\"public\".\"crash\"'")) {
			row.next();
			Array key = row.getArray(1);
			return ((String[]) key.getArray())[0];
		}
	}

}
