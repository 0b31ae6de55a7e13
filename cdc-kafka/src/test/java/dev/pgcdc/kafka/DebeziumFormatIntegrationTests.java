package dev.pgcdc.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.snapshot.SnapshotMode;
import dev.pgcdc.snapshot.SnapshotOptions;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import io.debezium.connector.AbstractSourceInfo;
import io.debezium.connector.postgresql.SourceInfo;
import io.debezium.data.Envelope;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;
import org.springframework.util.backoff.FixedBackOff;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cdc.kafka.format=debezium}: a consumer written for Debezium's PostgreSQL connector (with
 * Debezium's own field names and operation codes, {@code JsonConverter} without schemas) reads
 * what the relay wrote, snapshot rows, inserts, updates, deletes with their tombstones and a
 * truncate, and the replica it builds equals the table.
 */
class DebeziumFormatIntegrationTests {

	static final JsonMapper JSON = JsonMapper.builder().build();

	static TestBroker broker;

	static TestDatabase database;

	@BeforeAll
	static void start() {
		broker = new TestBroker();
		database = TestPostgres.createDatabase("kafka_debezium");
	}

	@AfterAll
	static void stop() {
		database.close();
		broker.close();
	}

	/** What a Debezium consumer keeps: the row state per key, the operations it saw. */
	static final class DebeziumConsumer {

		final Map<String, JsonNode> rows = new HashMap<>();

		final List<String> operations = new ArrayList<>();

		int tombstones;

		void accept(ConsumerRecord<byte[], byte[]> record) {
			if (record.value() == null) {
				this.tombstones++;
				return;
			}
			JsonNode value = JSON.readTree(record.value());
			Envelope.Operation operation = Envelope.Operation.forCode(value.get(Envelope.FieldName.OPERATION).asString());
			this.operations.add(operation.name());
			String key = (record.key() != null) ? new String(record.key(), StandardCharsets.UTF_8) : null;
			switch (operation) {
				case READ, CREATE, UPDATE -> this.rows.put(key, value.get(Envelope.FieldName.AFTER));
				case DELETE -> this.rows.remove(key);
				case TRUNCATE -> this.rows.clear();
				default -> throw new IllegalStateException("unexpected " + operation);
			}
		}

	}

	@Test
	void aDebeziumConsumerReadsTheRelayedEnvelope() throws Exception {
		database.execute("CREATE TABLE gadgets (id int PRIMARY KEY, label text, price numeric(10,2), made date,"
				+ " seen timestamptz, at timestamp, data jsonb, blob bytea, tags text[])",
				"INSERT INTO gadgets VALUES (1, 'old', 1.5, '2020-01-02', '2020-01-02 03:04:05.123456+00',"
						+ " '2020-01-02 03:04:05.5', '{\"a\": 1}', '\\x0102', '{x,y}')");
		KafkaRelay relay = KafkaRelay.create(KafkaRelay.producerFor(broker.applicationTemplate()), RelayFormat.DEBEZIUM,
				TopicPattern.of("dbz.{schema}.{table}"), null, "inventory",
				new FixedBackOff(200, FixedBackOff.UNLIMITED_ATTEMPTS));
		try (relay; ChangeStream stream = ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.publication("gadgets_pub")
			.tables("gadgets")
			.snapshots(new SnapshotOptions(SnapshotMode.INITIAL, 100, (table) -> true,
					SnapshotOptions.DEFAULT_PROGRESS_TABLE))
			.relay(relay)
			.start()) {
			assertThat(stream.awaitCaughtUp(KafkaRelayIntegrationTests.TIMEOUT)).isTrue();
			database.execute("INSERT INTO gadgets VALUES (2, 'two', 2, '2021-02-03', now(), now(), '[]', '', '{}')",
					"INSERT INTO gadgets (id, label) VALUES (3, 'three')",
					"UPDATE gadgets SET label = 'zwei', price = 22.25 WHERE id = 2", "DELETE FROM gadgets WHERE id = 3");
			assertThat(stream.awaitCaughtUp(KafkaRelayIntegrationTests.TIMEOUT)).isTrue();
			Map<String, JsonNode> beforeTruncate = consume().rows;
			assertThat(beforeTruncate).containsOnlyKeys("{\"id\":1}", "{\"id\":2}");
			assertThat(beforeTruncate.get("{\"id\":2}").get("label").asString()).isEqualTo("zwei");
			JsonNode one = beforeTruncate.get("{\"id\":1}");
			assertThat(one.get("price").asString()).isEqualTo("1.50");
			assertThat(one.get("made").asInt()).isEqualTo((int) LocalDate.parse("2020-01-02").toEpochDay());
			assertThat(one.get("seen").asString()).isEqualTo("2020-01-02T03:04:05.123456Z");
			assertThat(one.get("at").asLong()).isEqualTo(ChronoUnit.MICROS.between(Instant.EPOCH,
					LocalDateTime.parse("2020-01-02T03:04:05.5").toInstant(ZoneOffset.UTC)));
			assertThat(JSON.readTree(one.get("data").asString()).get("a").asInt()).isEqualTo(1);
			assertThat(Base64.getDecoder().decode(one.get("blob").asString())).containsExactly(1, 2);
			assertThat(one.get("tags").get(1).asString()).isEqualTo("y");

			database.execute("TRUNCATE gadgets", "INSERT INTO gadgets (id, label) VALUES (4, 'four')");
			assertThat(stream.awaitCaughtUp(KafkaRelayIntegrationTests.TIMEOUT)).isTrue();
		}
		DebeziumConsumer consumer = consume();
		assertThat(consumer.operations).containsOnly("READ", "CREATE", "UPDATE", "DELETE", "TRUNCATE");
		assertThat(consumer.operations.stream().filter("TRUNCATE"::equals)).hasSize(TestBroker.PARTITIONS);
		assertThat(consumer.tombstones).as("a tombstone after the delete").isEqualTo(1);
		assertThat(consumer.rows).containsOnlyKeys("{\"id\":4}");
		assertThat(consumer.rows.get("{\"id\":4}").get("label").asString()).isEqualTo("four");
	}

	@Test
	void theSourceBlockCarriesDebeziumsPostgresFields() throws Exception {
		database.execute("CREATE TABLE parts (id int PRIMARY KEY, v text)");
		KafkaRelay relay = KafkaRelay.create(KafkaRelay.producerFor(broker.applicationTemplate()), RelayFormat.DEBEZIUM,
				TopicPattern.of("src.{table}"), null, "inventory",
				new FixedBackOff(200, FixedBackOff.UNLIMITED_ATTEMPTS));
		try (relay; ChangeStream stream = ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.publication("parts_pub")
			.tables("parts")
			.relay(relay)
			.start()) {
			database.execute("INSERT INTO parts VALUES (7, 'x')", "UPDATE parts SET v = 'y' WHERE id = 7");
			assertThat(stream.awaitCaughtUp(KafkaRelayIntegrationTests.TIMEOUT)).isTrue();
		}
		List<ConsumerRecord<byte[], byte[]>> records = broker.readAll("src.parts").values().stream()
			.flatMap(List::stream).toList();
		assertThat(records).hasSize(2);
		for (ConsumerRecord<byte[], byte[]> record : records) {
			JsonNode value = JSON.readTree(record.value());
			assertThat(value.propertyNames()).contains(Envelope.FieldName.BEFORE, Envelope.FieldName.AFTER,
					Envelope.FieldName.SOURCE, Envelope.FieldName.OPERATION, Envelope.FieldName.TIMESTAMP,
					Envelope.FieldName.TRANSACTION);
			JsonNode source = value.get(Envelope.FieldName.SOURCE);
			assertThat(source.propertyNames()).contains(AbstractSourceInfo.DEBEZIUM_VERSION_KEY,
					AbstractSourceInfo.DEBEZIUM_CONNECTOR_KEY, AbstractSourceInfo.SERVER_NAME_KEY,
					AbstractSourceInfo.TIMESTAMP_KEY, AbstractSourceInfo.SNAPSHOT_KEY, AbstractSourceInfo.DATABASE_NAME_KEY,
					AbstractSourceInfo.SEQUENCE_KEY, AbstractSourceInfo.SCHEMA_NAME_KEY, AbstractSourceInfo.TABLE_NAME_KEY,
					SourceInfo.TXID_KEY, SourceInfo.LSN_KEY, SourceInfo.XMIN_KEY);
			assertThat(source.get(AbstractSourceInfo.DEBEZIUM_CONNECTOR_KEY).asString()).isEqualTo("postgresql");
			assertThat(source.get(AbstractSourceInfo.SERVER_NAME_KEY).asString()).isEqualTo("inventory");
			assertThat(source.get(AbstractSourceInfo.DATABASE_NAME_KEY).asString()).isEqualTo(database.name());
			assertThat(source.get(AbstractSourceInfo.SCHEMA_NAME_KEY).asString()).isEqualTo("public");
			assertThat(source.get(AbstractSourceInfo.TABLE_NAME_KEY).asString()).isEqualTo("parts");
			assertThat(source.get(AbstractSourceInfo.SNAPSHOT_KEY).asString()).isEqualTo("false");
			assertThat(source.get(SourceInfo.LSN_KEY).asLong()).isEqualTo(
					LogSequenceNumber.valueOf(KafkaRelayIntegrationTests.header(record, KafkaRelay.LSN_HEADER)).asLong());
			assertThat(source.get(SourceInfo.TXID_KEY).asLong()).isEqualTo(
					Long.parseLong(KafkaRelayIntegrationTests.header(record, KafkaRelay.XID_HEADER)));
			assertThat(source.get(AbstractSourceInfo.TIMESTAMP_KEY).asLong()).isEqualTo(record.timestamp());
			assertThat(Instant.parse(KafkaRelayIntegrationTests.header(record, KafkaRelay.COMMIT_TIME_HEADER))
				.toEpochMilli()).isEqualTo(record.timestamp());
		}
		JsonNode update = records.stream().map((record) -> JSON.readTree(record.value()))
			.filter((value) -> value.get(Envelope.FieldName.OPERATION).asString().equals("u")).findFirst().orElseThrow();
		assertThat(update.get(Envelope.FieldName.BEFORE).get("v").asString()).isEqualTo("x");
		assertThat(update.get(Envelope.FieldName.AFTER).get("v").asString()).isEqualTo("y");
	}

	private DebeziumConsumer consume() {
		DebeziumConsumer consumer = new DebeziumConsumer();
		Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> relayed = broker.readAll("dbz.public.gadgets");
		// a Debezium consumer per partition sees its keys in order; TRUNCATE is on every partition
		Map<String, JsonNode> rows = new HashMap<>();
		List<String> operations = new ArrayList<>();
		int tombstones = 0;
		for (List<ConsumerRecord<byte[], byte[]>> partition : relayed.values()) {
			DebeziumConsumer member = new DebeziumConsumer();
			partition.forEach(member::accept);
			rows.putAll(member.rows);
			operations.addAll(member.operations);
			tombstones += member.tombstones;
		}
		consumer.rows.putAll(rows);
		consumer.operations.addAll(operations);
		consumer.tombstones = tombstones;
		return consumer;
	}

}
