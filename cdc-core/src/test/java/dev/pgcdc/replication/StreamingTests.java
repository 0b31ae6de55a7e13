package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static dev.pgcdc.replication.ChangeStreamTests.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Opt-in {@code streaming}: in-progress transactions larger than
 * {@code logical_decoding_work_mem} (64kB here) are spooled until they commit, delivered
 * once committed (without rolled-back subtransactions), dropped on abort, in commit order.
 */
class StreamingTests {

	private static final Duration TIMEOUT = Duration.ofMinutes(2);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("streaming");
		database.execute("ALTER DATABASE \"" + database.name() + "\" SET logical_decoding_work_mem = '64kB'");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void committedStreamedTransactionArrivesWithoutRolledBackSubtransactionsAfterEarlierCommits() throws Exception {
		database.execute("CREATE TABLE streamed (id int PRIMARY KEY, payload text)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "streamed_pub").tables("streamed")
			.streaming(true)
			.handler(recorder)
			.start(); Connection open = database.connect(); Statement statement = open.createStatement()) {
			open.setAutoCommit(false);
			statement.execute("INSERT INTO streamed SELECT g, 'payload ' || g FROM generate_series(1, 10000) g");
			statement.execute("SAVEPOINT part");
			statement.execute("INSERT INTO streamed SELECT g, 'gone ' || g FROM generate_series(10001, 15000) g");
			statement.execute("ROLLBACK TO SAVEPOINT part");
			statement.execute("INSERT INTO streamed SELECT g, 'payload ' || g FROM generate_series(15001, 20000) g");
			database.execute("INSERT INTO streamed VALUES (0, 'committed first')");
			await().atMost(TIMEOUT).until(() -> streamedTransactions(stream.slot()) > 0);
			open.commit();
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 15001);
			List<ChangeEvent> events = recorder.changes();
			assertThat(text(events.get(0).newRecord().get("id"))).isEqualTo("0");
			Set<String> ids = events.stream().map((event) -> text(event.newRecord().get("id"))).collect(Collectors.toSet());
			assertThat(ids).hasSize(15001)
				.containsAll(IntStream.rangeClosed(1, 10000).mapToObj(String::valueOf).toList())
				.doesNotContain("10001", "15000")
				.contains("15001", "20000");
			assertThat(events.subList(1, events.size())).extracting(ChangeEvent::xid).containsOnly(events.get(1).xid());
		}
	}

	@Test
	void abortedStreamedTransactionIsNotDelivered() throws Exception {
		database.execute("CREATE TABLE aborted (id int PRIMARY KEY)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "aborted_pub").tables("aborted")
			.streaming(true)
			.handler(recorder)
			.start(); Connection open = database.connect(); Statement statement = open.createStatement()) {
			open.setAutoCommit(false);
			statement.execute("INSERT INTO aborted SELECT generate_series(1, 20000)");
			await().atMost(TIMEOUT).until(() -> streamedTransactions(stream.slot()) > 0);
			open.rollback();
			database.execute("INSERT INTO aborted VALUES (-1)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() >= 1);
			assertThat(recorder.changes()).hasSize(1);
			assertThat(text(recorder.changes().get(0).newRecord().get("id"))).isEqualTo("-1");
		}
	}

	private static long streamedTransactions(String slot) throws Exception {
		try (Connection connection = database.connect(); PreparedStatement statement = connection.prepareStatement(
				"SELECT coalesce(sum(stream_txns), 0) FROM pg_stat_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet row = statement.executeQuery()) {
				row.next();
				return row.getLong(1);
			}
		}
	}

}
