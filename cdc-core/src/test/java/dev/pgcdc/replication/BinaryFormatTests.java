package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.FixedBackOff;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Opt-in binary values: the same rows as in text format, and a fall-back to text when a
 * column without a binary decoder appears.
 */
class BinaryFormatTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("binary");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void binaryValuesEqualTextValues() {
		database.execute("CREATE TABLE typed (id int PRIMARY KEY, big bigint, small smallint, name text, amount numeric(12,3),"
				+ " at timestamptz, local timestamp, day date, flag boolean, ref uuid, doc jsonb, raw bytea, ratio float8,"
				+ " tags int4[], label varchar(20))");
		Recorder binary = new Recorder();
		Recorder text = new Recorder();
		try (ChangeStream binaryStream = stream(database, "binary_pub").tables("typed").binary(true).handler(binary)
			.start(); ChangeStream textStream = stream(database, "text_pub").tables("typed").handler(text).start()) {
			assertThat(binaryStream.binaryInUse()).isTrue();
			assertThat(textStream.binaryInUse()).isFalse();
			database.execute("INSERT INTO typed VALUES (1, 9007199254740993, -3, 'zoë', -1234.567,"
					+ " '2024-02-29 23:59:59.123456+02', '1999-12-31 12:00', '0044-03-15', true,"
					+ " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": [1, 2.5, null]}', '\\xdeadbeef', 1.5e-10,"
					+ " '{1,NULL,3}', 'label')", "INSERT INTO typed (id) VALUES (2)",
					"UPDATE typed SET name = 'zoe', amount = 0 WHERE id = 1");
			await().atMost(TIMEOUT).until(() -> binary.changes().size() == 3 && text.changes().size() == 3);
			for (int i = 0; i < 3; i++) {
				assertSameRow(binary.changes().get(i).newRecord(), text.changes().get(i).newRecord());
				assertSameRow(binary.changes().get(i).oldRecord(), text.changes().get(i).oldRecord());
			}
			assertThat(binary.changes().get(2).changes()).containsOnlyKeys("name", "amount");
		}
	}

	@Test
	void columnWithoutBinaryDecoderSwitchesToTextWithoutLosingChanges() {
		database.execute("CREATE TABLE growing (id int PRIMARY KEY)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "growing_pub").tables("growing")
			.slot("growing_slot")
			.durable(true)
			.binary(true)
			.backOff(new FixedBackOff(100, FixedBackOff.UNLIMITED_ATTEMPTS))
			.handler(recorder)
			.start()) {
			assertThat(stream.binaryInUse()).isTrue();
			database.execute("INSERT INTO growing VALUES (1)", "ALTER TABLE growing ADD COLUMN span interval",
					"INSERT INTO growing VALUES (2, '1 day 2 hours')", "INSERT INTO growing VALUES (3, '3 minutes')");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 3);
			List<ChangeEvent> events = recorder.changes();
			assertThat(events).extracting((event) -> String.valueOf(event.newRecord().get("id")))
				.containsExactly("1", "2", "3");
			assertThat(events.get(1).newRecord().get("span")).isEqualTo("1 day 02:00:00");
			assertThat(stream.binaryInUse()).isFalse();
			assertThat(stream.status().reconnects()).isEqualTo(1);
		}
	}

	private static void assertSameRow(Map<String, Object> binary, Map<String, Object> text) {
		if (text == null) {
			assertThat(binary).isNull();
			return;
		}
		assertThat(binary).containsOnlyKeys(text.keySet());
		text.forEach((column, value) -> assertThat(Objects.deepEquals(binary.get(column), value))
			.as("%s: binary %s, text %s", column, binary.get(column), value)
			.isTrue());
	}

}
