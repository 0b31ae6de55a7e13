package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.test.DedicatedPostgres;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.FixedBackOff;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static dev.pgcdc.replication.ChangeStreamTests.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A server restart under a durable stream: it reconnects by itself and loses nothing.
 */
class ServerRestartTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(90);

	@Test
	void durableStreamSurvivesAServerRestart() {
		// a shutdown waits until each walsender's client confirmed everything (or wal_sender_timeout,
		// 60 s here, passed); the test server's pg_ctl gives up after 5 s, so this also shows the
		// stream answers the shutdown's keepalive at once
		try (DedicatedPostgres server = TestPostgres.startDedicated(Map.of());
				TestDatabase database = server.createDatabase("restart")) {
			database.execute("CREATE TABLE survivors (id int PRIMARY KEY)");
			Recorder recorder = new Recorder();
			List<StreamState> states = new CopyOnWriteArrayList<>();
			try (ChangeStream stream = stream(database, "restart_pub").tables("survivors")
				.slot("restart_slot")
				.durable(true)
				.backOff(new FixedBackOff(200, FixedBackOff.UNLIMITED_ATTEMPTS))
				.listener((from, to, cause) -> states.add(to))
				.handler(recorder)
				.start()) {
				database.execute("INSERT INTO survivors VALUES (1)");
				await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
				server.restart();
				database.execute("INSERT INTO survivors VALUES (2)");
				await().atMost(TIMEOUT).until(() -> recorder.changes().size() >= 2);
				database.execute("INSERT INTO survivors VALUES (3)");
				await().atMost(TIMEOUT).until(() -> recorder.changes().size() >= 3);
				assertThat(recorder.changes()).extracting((event) -> text(event.newRecord().get("id")))
					.containsExactly("1", "2", "3");
				assertThat(states).containsSubsequence(StreamState.STREAMING, StreamState.RECONNECTING,
						StreamState.STREAMING);
				assertThat(stream.status().reconnects()).isEqualTo(1);
			}
		}
	}

}
