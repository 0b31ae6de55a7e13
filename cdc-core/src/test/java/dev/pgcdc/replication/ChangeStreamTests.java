package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end: a real server, publication, temporary slot, reader, assembler, dispatcher.
 */
class ChangeStreamTests {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("stream");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	private ChangeStream.Builder stream(String publication) {
		return ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.publication(publication);
	}

	@Test
	void insertUpdateDeleteArriveInOrderWithRows() {
		database.execute("CREATE TABLE users (id int PRIMARY KEY, name text, email text)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream("basic_pub").tables("users").handler(recorder).start()) {
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			database.execute("INSERT INTO users VALUES (1, 'ann', 'ann@example.com')",
					"UPDATE users SET name = 'anna' WHERE id = 1", "DELETE FROM users WHERE id = 1");
			await().atMost(Duration.ofSeconds(30)).until(() -> recorder.changes().size() == 3);
			List<ChangeEvent> events = recorder.changes();
			assertThat(events).extracting(ChangeEvent::operation)
				.containsExactly(Operation.INSERT, Operation.UPDATE, Operation.DELETE);
			ChangeEvent insert = events.get(0);
			assertThat(insert.schema()).isEqualTo("public");
			assertThat(insert.table()).isEqualTo("users");
			assertThat(insert.newRecord()).containsEntry("name", "ann").containsEntry("email", "ann@example.com");
			assertThat(insert.oldRecord()).isNull();
			assertThat(insert.source().columns()).containsOnlyKeys("id", "name", "email");
			assertThat(insert.source().database()).isEqualTo(database.name());
			ChangeEvent update = events.get(1);
			assertThat(update.oldRecord()).containsEntry("name", "ann");
			assertThat(update.changes()).containsOnlyKeys("name");
			assertThat(update.changes().get("name").newValue()).isEqualTo("anna");
			ChangeEvent delete = events.get(2);
			assertThat(delete.newRecord()).isNull();
			assertThat(delete.oldRecord()).containsEntry("email", "ann@example.com");
			assertThat(events).allSatisfy((event) -> {
				assertThat(event.lsn()).matches("[0-9A-F]+/[0-9A-F]+");
				assertThat(event.commitTimestamp()).isNotNull();
			});
			assertThat(Map.of("xids", events.stream().map(ChangeEvent::xid).distinct().count())).containsEntry("xids", 3L);
			await().atMost(Duration.ofSeconds(30)).until(() -> stream.status().flushedLsn() != null);
			assertThat(stream.status().events()).isEqualTo(3);
		}
	}

}
