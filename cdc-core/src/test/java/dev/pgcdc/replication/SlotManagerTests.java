package dev.pgcdc.replication;

import java.time.Duration;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slot names PostgreSQL accepts but its replication grammar reads only when quoted.
 */
class SlotManagerTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("slots");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void temporarySlotNameStartingWithADigitStreams() {
		database.execute("CREATE TABLE digits (id int PRIMARY KEY)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "digits_pub").slot("1abc").tables("digits").handler(recorder)
			.start()) {
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			database.execute("INSERT INTO digits VALUES (1)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
			assertThat(recorder.changes().get(0).newRecord()).containsEntry("id", 1);
		}
	}

	@Test
	void durableSlotNameStartingWithADigitStreams() {
		database.execute("CREATE TABLE durable_digits (id int PRIMARY KEY)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "durable_digits_pub").slot("2abc").durable(true)
			.tables("durable_digits")
			.handler(recorder)
			.start()) {
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			database.execute("INSERT INTO durable_digits VALUES (1)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
		}
	}

}
