package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.FixedBackOff;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static dev.pgcdc.replication.ChangeStreamTests.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How long a stream waits before it streams again: after a cut the reconnect back-off starts
 * over once a session made progress, and a standby takes the slot over as soon as its holder
 * lets go of it, not when the back-off next allows. Each test gives the stream a back-off of ten
 * minutes where the old behaviour would have used it, so waiting on it fails the test
 * deterministically instead of by a timing margin.
 */
class ReconnectBackOffTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	/** Longer than any test waits: a stream that waits for it has not done what the test expects. */
	private static final long TEN_MINUTES = 600_000;

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("backoff");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void standbyTakesOverAsSoonAsTheHolderLetsGo() throws Exception {
		database.execute("CREATE TABLE standby_rows (id int PRIMARY KEY)");
		Recorder holderEvents = new Recorder();
		Recorder standbyEvents = new Recorder();
		ChangeStream holder = stream(database, "standby_pub").tables("standby_rows")
			.slot("standby_slot")
			.durable(true)
			.handler(holderEvents)
			.start();
		try (ChangeStream standby = stream(database, "standby_pub").tables("standby_rows")
			.slot("standby_slot")
			.durable(true)
			.backOff(new FixedBackOff(TEN_MINUTES, FixedBackOff.UNLIMITED_ATTEMPTS))
			.handler(standbyEvents)
			.start()) {
			await().atMost(TIMEOUT).until(() -> standby.state() == StreamState.STANDBY);
			database.execute("INSERT INTO standby_rows VALUES (1)");
			await().atMost(TIMEOUT).until(() -> holderEvents.changes().size() == 1);
			holder.close();
			database.execute("INSERT INTO standby_rows VALUES (2)");
			// the probe looks every half second; the back-off would have waited ten minutes
			await().atMost(Duration.ofSeconds(10)).until(() -> standby.state() == StreamState.STREAMING);
			await().atMost(TIMEOUT).until(() -> standbyEvents.changes().size() == 1);
			assertThat(standbyEvents.changes()).extracting((event) -> text(event.newRecord().get("id")))
				.containsExactly("2");
			// the standby's probe connection is closed once it streams, not kept for the run
			assertThat(probeConnections()).isZero();
		}
		finally {
			holder.close();
		}
	}

	@Test
	void backOffStartsOverAfterASessionThatMadeProgress() {
		database.execute("CREATE TABLE cut_rows (id int PRIMARY KEY)");
		Recorder recorder = new Recorder();
		// 100 ms for the first reconnect of a back-off execution, ten minutes for any later one
		BackOff quickOnce = () -> new BackOffExecution() {

			private int attempts;

			@Override
			public long nextBackOff() {
				return (this.attempts++ == 0) ? 100 : TEN_MINUTES;
			}

		};
		try (ChangeStream stream = stream(database, "cut_pub").tables("cut_rows")
			.slot("cut_slot")
			.durable(true)
			.backOff(quickOnce)
			.handler(recorder)
			.start()) {
			for (int id = 1; id <= 3; id++) {
				int expected = id;
				database.execute("INSERT INTO cut_rows VALUES (" + id + ")");
				await().atMost(TIMEOUT).until(() -> recorder.changes().size() >= expected);
				long reconnects = stream.status().reconnects();
				terminateWalsender("cut_slot");
				// after the first cut the old back-off went on to its second interval: ten minutes
				await().atMost(TIMEOUT).until(() -> stream.status().reconnects() > reconnects
						&& stream.state() == StreamState.STREAMING);
			}
			database.execute("INSERT INTO cut_rows VALUES (4)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() >= 4);
			assertThat(recorder.changes()).extracting((event) -> text(event.newRecord().get("id")))
				.containsExactly("1", "2", "3", "4");
		}
	}

	private static long probeConnections() throws Exception {
		try (Connection connection = database.connect();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT count(*) FROM pg_stat_activity"
						+ " WHERE query LIKE 'SELECT active_pid FROM pg_replication_slots%' AND pid <> pg_backend_pid()")) {
			result.next();
			return result.getLong(1);
		}
	}

	private static void terminateWalsender(String slot) {
		await().atMost(TIMEOUT).until(() -> terminated(slot));
	}

	/** @return whether a walsender held the slot and was told to end */
	private static boolean terminated(String slot) throws SQLException {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection.prepareStatement("SELECT count(pg_terminate_backend(active_pid))"
						+ " FROM pg_replication_slots WHERE slot_name = ? AND active_pid IS NOT NULL")) {
			statement.setString(1, slot);
			try (ResultSet row = statement.executeQuery()) {
				return row.next() && row.getLong(1) == 1;
			}
		}
	}

}
