package dev.pgcdc.replication;

import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The lag probe keeps one connection, and a server that does not answer holds one caller,
 * never all of them.
 */
class LagProbeTests {

	private static final Duration TIMEOUT = Duration.ofMinutes(1);

	@Test
	void keepsOneConnectionAcrossMeasurementsAndClosesItOnClose() throws Exception {
		try (TestDatabase database = TestPostgres.createDatabase("lagprobe")) {
			ChangeStream stream = ChangeStreamTests.stream(database, "probe_pub")
				.applicationName("lag_probe_test")
				.handler((batch) -> {
				})
				.build();
			MovableClock clock = new MovableClock();
			AtomicInteger questions = new AtomicInteger();
			ExecutorService asker = Executors.newSingleThreadExecutor();
			LagProbe probe = new LagProbe(new ConnectionFactory(stream.settings()), "slot", clock, (task) -> {
				questions.incrementAndGet();
				asker.execute(task);
			});
			// the first call starts the question and answers with what is known: nothing yet
			assertThat(probe.measure(status("0/0")).bytes()).isNull();
			await().atMost(TIMEOUT).until(() -> probe.measure(status("0/0")).bytes() != null);
			assertThat(probe.measure(status("0/0")).bytes()).isPositive();
			clock.now.set(clock.now.get().plusSeconds(10));
			// an answer older than a second is asked again, on the kept connection
			probe.measure(status("0/1"));
			assertThat(questions).hasValue(2);
			await().atMost(TIMEOUT).until(() -> !probe.asking());
			assertThat(probe.measure(status("0/1")).bytes()).isPositive();
			assertThat(connections(database)).isEqualTo(1);
			probe.close();
			asker.shutdown();
			await().atMost(TIMEOUT).until(() -> connections(database) == 0);
		}
	}

	@Test
	void callersGetTheLastAnswerWhileOneWaitsForAServerThatDoesNotAnswer() throws Exception {
		try (ServerSocket silent = new ServerSocket(0)) {
			// accepts connections and never says a word
			CopyOnWriteArrayList<Socket> accepted = new CopyOnWriteArrayList<>();
			Thread acceptor = new Thread(() -> {
				try {
					while (true) {
						accepted.add(silent.accept());
					}
				}
				catch (Exception ex) {
					// the server socket was closed
				}
			});
			acceptor.setDaemon(true);
			acceptor.start();
			ChangeStream stream = ChangeStream.builder()
				.url("jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/nowhere")
				.handler((batch) -> {
				})
				.build();
			LagProbe probe = new LagProbe(new ConnectionFactory(stream.settings()), "slot", Clock.systemUTC());
			// nobody waits for the silent server: every caller gets "unknown" at once
			assertThat(probe.measure(status("0/0")).bytes()).isNull();
			await().atMost(TIMEOUT).until(() -> accepted.size() == 1);
			for (int i = 0; i < 5; i++) {
				assertThat(probe.measure(status("0/0")).bytes()).isNull();
			}
			// one question at a time: the others did not open connections of their own
			assertThat(accepted).hasSize(1);
			for (Socket socket : accepted) {
				socket.close();
			}
		}
	}

	private static StreamStatus status(String flushed) {
		return new StreamStatus(StreamState.STREAMING, "slot", true, "pub", "17", flushed, flushed, null, null, null, 0,
				0, 0);
	}

	private static int connections(TestDatabase database) throws Exception {
		try (Connection connection = database.connect(); PreparedStatement statement = connection
			.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lag_probe_test'");
				ResultSet row = statement.executeQuery()) {
			row.next();
			return row.getInt(1);
		}
	}

	/** A clock the test moves past the probe's reuse window. */
	private static final class MovableClock extends Clock {

		final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

		@Override
		public java.time.ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now.get();
		}

	}

}
