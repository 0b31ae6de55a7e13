package dev.pgcdc.replication;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code kill -9} of a process streaming a durable slot with parallel dispatch, in the middle of
 * a run: the next stream on the slot delivers everything the killed one had not finished, so
 * nothing is lost (the low watermark never confirmed a transaction with work still out).
 */
class ParallelCrashTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(120);

	@Test
	void nothingIsLostAfterAKillInTheMiddleOfAParallelRun(@TempDir Path directory) throws Exception {
		try (TestDatabase database = TestPostgres.createDatabase("parallel_crash")) {
			database.execute("CREATE TABLE items (id int PRIMARY KEY, seq int NOT NULL)",
					"CREATE TABLE handled (id int, seq int, PRIMARY KEY (id, seq))");
			String[] args = { database.jdbcUrl(), database.username(), database.password(), "crash_slot", "crash_pub" };
			Path log = directory.resolve("worker.log");
			List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
					"-cp", System.getProperty("java.class.path"), ParallelCrashWorker.class.getName()));
			command.addAll(List.of(args));
			Process worker = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
			int keys = 20;
			int rounds = 30;
			try {
				await().atMost(TIMEOUT).until(() -> Files.readString(log).contains("state STREAMING"));
				List<String> writes = new ArrayList<>();
				writes.add("INSERT INTO items SELECT i, 0 FROM generate_series(1, " + keys + ") i");
				for (int seq = 1; seq <= rounds; seq++) {
					for (int id = 1; id <= keys; id++) {
						// one transaction each, on one connection: written far faster than handled
						writes.add("UPDATE items SET seq = " + seq + " WHERE id = " + id);
					}
				}
				database.execute(writes.toArray(String[]::new));
				// about a sixth handled (50 ms each on 8 threads: some 4 s for all)
				await().atMost(TIMEOUT).until(() -> handled(database) >= 100);
				// Process.destroyForcibly is SIGKILL on Linux: no shutdown hook, no last acknowledgement
				worker.destroyForcibly();
				assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
			}
			finally {
				worker.destroyForcibly();
			}
			assertThat(handled(database)).as("killed in the middle").isLessThan((long) keys * (rounds + 1));
			try (ChangeStream stream = ParallelCrashWorker.stream(args[0], args[1], args[2], args[3], args[4]).start()) {
				assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			}
			assertThat(handled(database)).as(Files.readString(log)).isEqualTo((long) keys * (rounds + 1));
			database.execute("SELECT pg_drop_replication_slot('crash_slot')");
		}
	}

	private static long handled(TestDatabase database) throws Exception {
		try (var connection = database.connect(); var statement = connection.createStatement();
				var rows = statement.executeQuery("SELECT count(*) FROM handled")) {
			rows.next();
			return rows.getLong(1);
		}
	}

}
