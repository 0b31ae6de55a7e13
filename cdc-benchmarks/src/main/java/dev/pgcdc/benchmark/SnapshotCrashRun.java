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
 * JVM runs a durable slot's initial snapshot of a 300,000-row table, writing every SNAPSHOT key
 * it handles to a file; once the progress table shows a third of the rows, the parent kills it
 * with SIGKILL ({@code Process.destroyForcibly()}, {@code kill -9}). A second child on the same
 * slot must resume: every key it reads lies after the last key the progress table held at the
 * kill, and the keys of both runs together are every row of the table. Exit status 0 when both
 * hold.
 */
public final class SnapshotCrashRun {

	private static final long ROWS = Long.getLong("rows", 300_000);

	private SnapshotCrashRun() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length > 0 && args[0].equals("child")) {
			child(args[1], args[2], args[3], Path.of(args[4]));
			return;
		}
		try (TestDatabase database = TestPostgres.createDatabase("snapshot_crash")) {
			database.execute("CREATE TABLE crash (id bigint PRIMARY KEY, payload text)",
					"INSERT INTO crash SELECT g, repeat('x', 100) FROM generate_series(1, " + ROWS + ") g",
					"ANALYZE crash");
			Path first = Files.createTempFile("snapshot-crash-1-", ".keys");
			Path second = Files.createTempFile("snapshot-crash-2-", ".keys");
			Process victim = launch(database, first);
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
			System.out.println("killed (SIGKILL) the first JVM; progress table: last delivered key " + lastDelivered
					+ ", rows read " + rowsRead(database));
			Process resumed = launch(database, second);
			if (resumed.waitFor() != 0) {
				throw new IllegalStateException("the second child failed");
			}
			List<String> before = Files.readAllLines(first);
			List<String> after = Files.readAllLines(second);
			long min = after.stream().mapToLong(Long::parseLong).min().orElseThrow();
			java.util.Set<Long> all = new java.util.HashSet<>();
			before.forEach((key) -> all.add(Long.parseLong(key)));
			after.forEach((key) -> all.add(Long.parseLong(key)));
			System.out.println("first JVM handled " + before.size() + " rows, second JVM " + after.size()
					+ " rows, smallest key read after the restart " + min + ", distinct keys " + all.size() + " of " + ROWS);
			if (min <= lastDelivered || all.size() != ROWS) {
				System.out.println("FAILED: rows before the last delivered chunk were read again, or rows are missing");
				System.exit(1);
			}
			System.out.println("OK: resumed after the last delivered chunk; every row delivered");
		}
	}

	private static Process launch(TestDatabase database, Path keys) throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
				SnapshotCrashRun.class.getName(), "child", database.jdbcUrl(), database.username(), database.password(),
				keys.toString())
			.inheritIO()
			.start();
	}

	private static void child(String url, String username, String password, Path keys) throws Exception {
		try (BufferedWriter out = Files.newBufferedWriter(keys, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
				ChangeStream stream = ChangeStream.builder()
					.url(url)
					.username(username)
					.password(password)
					.tables("crash")
					.publication("crash_pub")
					.slot("crash_slot")
					.durable(true)
					.snapshots(new SnapshotOptions(SnapshotMode.INITIAL, 2000, (table) -> true,
							SnapshotOptions.DEFAULT_PROGRESS_TABLE))
					.handler((batch) -> {
						for (CdcEvent event : batch.events()) {
							if (event instanceof ChangeEvent change && change.operation() == Operation.SNAPSHOT
									&& change.newRecord() != null) {
								out.write(String.valueOf(change.newRecord().get("id")));
								out.newLine();
							}
						}
						// what was handled is on disk before the chunk counts as delivered
						out.flush();
					})
					.start()) {
			dev.pgcdc.event.TableName table = dev.pgcdc.event.TableName.parse("crash");
			long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
			while (stream.snapshots().status(table).map((status) -> status.state().name()).orElse("").equals("DONE") == false) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("no end of the snapshot");
				}
				Thread.sleep(50);
			}
			stream.awaitCaughtUp(Duration.ofMinutes(1));
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
