package dev.pgcdc.kafka;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.ChangeStreamBuilder;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.snapshot.SnapshotMode;
import dev.pgcdc.snapshot.SnapshotOptions;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.support.ProducerListener;
import org.springframework.kafka.support.SendResult;
import org.springframework.util.backoff.FixedBackOff;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The relay on a real broker (KRaft, in this JVM) and a real PostgreSQL: every committed change
 * arrives on its topic, keyed, in per-key order (a replica built from the topic equals the
 * table), and a broker outage holds the slot back and loses nothing.
 */
class KafkaRelayIntegrationTests {

	static final Duration TIMEOUT = Duration.ofMinutes(2);

	static final JsonMapper JSON = JsonMapper.builder().build();

	static TestBroker broker;

	static TestDatabase database;

	@BeforeAll
	static void start() {
		broker = new TestBroker();
		database = TestPostgres.createDatabase("kafka_relay");
	}

	@AfterAll
	static void stop() {
		database.close();
		broker.close();
	}

	static KafkaRelay relay(RelayFormat format, String pattern) {
		return KafkaRelay.create(KafkaRelay.producerFor(broker.applicationTemplate()), format, TopicPattern.of(pattern),
				null, "test", new FixedBackOff(200, FixedBackOff.UNLIMITED_ATTEMPTS));
	}

	static ChangeStreamBuilder stream(String table, KafkaRelay relay) {
		return ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.publication(table + "_pub")
			.slot(table + "_slot")
			.durable(true)
			.statusInterval(Duration.ofSeconds(1))
			.tables(table)
			.relay(relay);
	}

	@Test
	void everyCommittedChangeArrivesKeyedAndAReplicaFromTheTopicEqualsTheTable() throws Exception {
		database.execute("CREATE TABLE items (id int PRIMARY KEY, name text, qty int)");
		int changes = 0;
		try (KafkaRelay relay = relay(RelayFormat.JSON, "it.{schema}.{table}");
				ChangeStream stream = stream("items", relay).start()) {
			changes = randomChanges("items", 150, new Random(42));
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
		}
		Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> relayed = broker.readAll("it.public.items");
		assertThat(relayed).hasSize(TestBroker.PARTITIONS);
		Map<String, Integer> partitionOfKey = new HashMap<>();
		Map<Integer, String> replica = new TreeMap<>();
		int rowChanges = 0;
		int truncates = 0;
		for (List<ConsumerRecord<byte[], byte[]>> partition : relayed.values()) {
			Map<Integer, String> rows = new HashMap<>();
			String previous = "";
			for (ConsumerRecord<byte[], byte[]> record : partition) {
				String position = header(record, KafkaRelay.POSITION_HEADER);
				assertThat(position).as("positions within a partition in commit order").isGreaterThanOrEqualTo(previous);
				previous = position;
				assertThat(header(record, KafkaRelay.XID_HEADER)).isNotBlank();
				assertThat(header(record, KafkaRelay.COMMIT_TIME_HEADER)).isNotBlank();
				JsonNode value = JSON.readTree(record.value());
				assertThat(value.get("position").asString()).isEqualTo(position);
				String operation = value.get("operation").asString();
				if (operation.equals("TRUNCATE")) {
					assertThat(record.key()).isNull();
					rows.clear();
					truncates++;
					continue;
				}
				rowChanges++;
				String key = new String(record.key(), StandardCharsets.UTF_8);
				assertThat(partitionOfKey.putIfAbsent(key, record.partition()))
					.as("every change of one row in one partition").isIn(null, record.partition());
				JsonNode row = operation.equals("DELETE") ? value.get("oldRecord") : value.get("newRecord");
				int id = row.get("id").asInt();
				assertThat(key).isEqualTo("{\"id\":" + id + "}");
				if (operation.equals("DELETE")) {
					rows.remove(id);
				}
				else {
					rows.put(id, row.get("name").asString() + "/" + row.get("qty").asInt());
				}
			}
			replica.putAll(rows);
		}
		assertThat(rowChanges).isEqualTo(changes);
		assertThat(truncates).as("the TRUNCATE on every partition").isEqualTo(TestBroker.PARTITIONS);
		assertThat(replica).isEqualTo(table("items"));
	}

	@Test
	void aBrokerOutageHoldsTheSlotBackAndNothingIsLost() throws Exception {
		database.execute("CREATE TABLE outage (id int PRIMARY KEY, v int)");
		try (KafkaRelay relay = relay(RelayFormat.JSON, "out.{table}");
				ChangeStream stream = stream("outage", relay).start()) {
			for (int i = 1; i <= 20; i++) {
				database.execute("INSERT INTO outage VALUES (" + i + ", " + i + ")");
			}
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			String mark = walPosition();
			broker.stop();
			try {
				for (int i = 21; i <= 60; i++) {
					database.execute("INSERT INTO outage VALUES (" + i + ", " + i + ")",
							"UPDATE outage SET v = v + 1000 WHERE id = " + (i - 20));
				}
				await().atMost(TIMEOUT).failFast(() -> stream.state() == StreamState.FAILED).until(() -> relay.retries() >= 2);
				assertThat(confirmedBeyond("outage_slot", mark)).as("slot acknowledged past what Kafka has").isFalse();
				assertThat(stream.awaitCaughtUp(Duration.ofMillis(500))).isFalse();
			}
			finally {
				broker.start();
			}
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			// caught up is the stream's own flushed position; the server learns it with the next status update
			await().atMost(TIMEOUT).failFast(() -> stream.state() == StreamState.FAILED)
				.until(() -> confirmedBeyond("outage_slot", mark));
		}
		Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> relayed = broker.readAll("out.outage");
		Map<Integer, String> replica = new TreeMap<>();
		Set<String> positions = new HashSet<>();
		int records = 0;
		for (List<ConsumerRecord<byte[], byte[]>> partition : relayed.values()) {
			for (ConsumerRecord<byte[], byte[]> record : partition) {
				records++;
				positions.add(header(record, KafkaRelay.POSITION_HEADER));
				JsonNode row = JSON.readTree(record.value()).get("newRecord");
				replica.put(row.get("id").asInt(), row.get("id").asInt() + "/" + row.get("v").asInt());
			}
		}
		assertThat(positions).as("every change arrived").hasSize(20 + 40 * 2);
		assertThat(records - positions.size()).as("duplicates: at most the records in flight at the outage")
			.isLessThanOrEqualTo(2);
		Map<Integer, String> expected = new TreeMap<>();
		table("outage").forEach((id, v) -> expected.put(id, id + "/" + v.substring(v.indexOf('/') + 1)));
		assertThat(replica).isEqualTo(expected);
	}

	@Test
	void singleRowTransactionsArePipelinedWithinTheInFlightBoundAndKeepPerKeyOrder() throws Exception {
		// the relay does not wait for the broker per transaction: several are in flight at once, never more than the bound
		database.execute("CREATE TABLE piped (id int PRIMARY KEY, v int NOT NULL)");
		KafkaTemplate<byte[], byte[]> producer = KafkaRelay.producerFor(broker.applicationTemplate());
		CountingTemplate kafka = new CountingTemplate(producer.getProducerFactory());
		int bound = 3;
		try (KafkaRelay relay = new KafkaRelay(kafka, null, new PgcdcJsonFormat(JSON), TopicPattern.of("piped.{table}"),
				null, new FixedBackOff(200, FixedBackOff.UNLIMITED_ATTEMPTS), bound);
				ChangeStream stream = stream("piped", relay).start()) {
			for (int id = 1; id <= 10; id++) {
				database.execute("INSERT INTO piped VALUES (" + id + ", 0)");
			}
			for (int v = 1; v <= 30; v++) {
				for (int id = 1; id <= 10; id++) {
					database.execute("UPDATE piped SET v = " + v + " WHERE id = " + id);
				}
			}
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			assertThat(relay.relayed()).isEqualTo(10 + 300);
		}
		finally {
			((DefaultKafkaProducerFactory<?, ?>) producer.getProducerFactory()).destroy();
		}
		assertThat(kafka.maxOutstanding.get()).as("records waiting for the broker at once").isGreaterThan(1)
			.isLessThanOrEqualTo(bound);
		Map<Integer, List<Integer>> values = new TreeMap<>();
		for (List<ConsumerRecord<byte[], byte[]>> partition : broker.readAll("piped.piped").values()) {
			for (ConsumerRecord<byte[], byte[]> record : partition) {
				JsonNode row = JSON.readTree(record.value()).get("newRecord");
				values.computeIfAbsent(row.get("id").asInt(), (id) -> new ArrayList<>()).add(row.get("v").asInt());
			}
		}
		assertThat(values).hasSize(10);
		List<Integer> expected = new ArrayList<>();
		for (int v = 0; v <= 30; v++) {
			expected.add(v);
		}
		values.values().forEach((sequence) -> assertThat(sequence).containsExactlyElementsOf(expected));
	}

	@Test
	void aBrokerOutageWhileTransactionsAreInFlightKeepsPerKeyOrder() throws Exception {
		// single-row transactions stream while the broker stops and starts: the relay resends from the first
		// unacknowledged transaction in WAL order, so deduplicated by position each key's changes come in commit order
		database.execute("CREATE TABLE flow (id int PRIMARY KEY, v int NOT NULL)");
		database.execute("INSERT INTO flow SELECT generate_series(1, 10), 0");
		AtomicBoolean writing = new AtomicBoolean(true);
		ExecutorService writer = Executors.newSingleThreadExecutor();
		int updates;
		try (KafkaRelay relay = relay(RelayFormat.JSON, "flow.{table}");
				ChangeStream stream = stream("flow", relay).start()) {
			Future<Integer> written = writer.submit(() -> {
				int count = 0;
				try (Connection connection = database.connect();
						PreparedStatement update = connection.prepareStatement("UPDATE flow SET v = ? WHERE id = ?")) {
					for (int v = 1; v <= 3000 && (writing.get() || v <= 20); v++) {
						for (int id = 1; id <= 10; id++) {
							update.setInt(1, v);
							update.setInt(2, id);
							count += update.executeUpdate();
						}
					}
				}
				return count;
			});
			await().atMost(TIMEOUT).failFast(() -> stream.state() == StreamState.FAILED).until(() -> relay.relayed() >= 60);
			broker.stop();
			try {
				await().atMost(TIMEOUT).failFast(() -> stream.state() == StreamState.FAILED).until(() -> relay.retries() >= 1);
			}
			finally {
				broker.start();
			}
			long before = relay.relayed();
			await().atMost(TIMEOUT).failFast(() -> stream.state() == StreamState.FAILED)
				.until(() -> relay.relayed() >= before + 60);
			writing.set(false);
			updates = written.get();
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
		}
		finally {
			writer.shutdownNow();
		}
		Set<String> positions = new HashSet<>();
		Map<Integer, Integer> replica = new TreeMap<>();
		for (List<ConsumerRecord<byte[], byte[]>> partition : broker.readAll("flow.flow").values()) {
			Map<Integer, Integer> lastFirstSeen = new HashMap<>();
			for (ConsumerRecord<byte[], byte[]> record : partition) {
				JsonNode row = JSON.readTree(record.value()).get("newRecord");
				int id = row.get("id").asInt();
				int v = row.get("v").asInt();
				replica.put(id, v);
				if (positions.add(header(record, KafkaRelay.POSITION_HEADER))) {
					Integer previous = lastFirstSeen.put(id, v);
					assertThat(v).as("id %d: a change first seen after a later one", id)
						.isGreaterThan((previous != null) ? previous : -1);
				}
			}
		}
		// the rows inserted before the stream (and its slot) started are not streamed
		assertThat(positions).as("every change arrived").hasSize(updates);
		Map<Integer, Integer> expected = new TreeMap<>();
		table("flow").forEach((id, v) -> expected.put(id, Integer.parseInt(v.substring(v.indexOf('/') + 1))));
		assertThat(replica).isEqualTo(expected);
	}

	@Test
	void aRecordKafkaRejectsFailsTheStreamAndNothingFromItOnIsAcknowledged() throws Exception {
		// an error waiting cannot cure (a record above max.request.size) fails the batch's completion: the stream
		// stops FAILED and neither that transaction nor the small ones sent after it are acknowledged
		database.execute("CREATE TABLE big (id int PRIMARY KEY, body text)");
		try (KafkaRelay relay = relay(RelayFormat.JSON, "big.{table}");
				ChangeStream stream = stream("big", relay).start()) {
			database.execute("INSERT INTO big VALUES (1, 'small')");
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			String mark = walPosition();
			database.execute("INSERT INTO big VALUES (2, repeat('x', 2 * 1024 * 1024))");
			for (int id = 3; id <= 10; id++) {
				database.execute("INSERT INTO big VALUES (" + id + ", 'small')");
			}
			await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.FAILED);
			assertThat(confirmedBeyond("big_slot", mark)).as("acknowledged past the rejected transaction").isFalse();
		}
	}

	/** Counts the records sent whose acknowledgement has not come yet. */
	static final class CountingTemplate extends KafkaTemplate<byte[], byte[]> {

		final AtomicInteger outstanding = new AtomicInteger();

		final AtomicInteger maxOutstanding = new AtomicInteger();

		CountingTemplate(ProducerFactory<byte[], byte[]> factory) {
			super(factory);
			setProducerListener(new ProducerListener<>() {
			});
		}

		@Override
		public CompletableFuture<SendResult<byte[], byte[]>> send(ProducerRecord<byte[], byte[]> record) {
			this.maxOutstanding.accumulateAndGet(this.outstanding.incrementAndGet(), Math::max);
			return super.send(record).whenComplete((result, error) -> this.outstanding.decrementAndGet());
		}

	}

	/**
	 * Random single-row inserts, updates and deletes on ids 1..40 in {@code transactions}
	 * transactions of 1 to 8 statements, with a TRUNCATE in the middle.
	 * @return the number of row changes committed
	 */
	static int randomChanges(String table, int transactions, Random random) throws Exception {
		int changes = 0;
		try (Connection connection = database.connect()) {
			connection.setAutoCommit(false);
			try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO " + table
					+ " (id, name, qty) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, qty = excluded.qty");
					PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
				for (int t = 0; t < transactions; t++) {
					if (t == transactions / 2) {
						try (Statement statement = connection.createStatement()) {
							statement.execute("TRUNCATE " + table);
						}
						connection.commit();
					}
					int statements = 1 + random.nextInt(8);
					for (int s = 0; s < statements; s++) {
						int id = 1 + random.nextInt(40);
						if (random.nextInt(4) == 0) {
							delete.setInt(1, id);
							changes += delete.executeUpdate();
						}
						else {
							upsert.setInt(1, id);
							upsert.setString(2, "n" + random.nextInt(1000));
							upsert.setInt(3, random.nextInt(100));
							changes += upsert.executeUpdate();
						}
					}
					connection.commit();
				}
			}
		}
		return changes;
	}

	/** @return id → {@code name/qty} (or {@code id/v}) of the table's rows */
	static Map<Integer, String> table(String table) throws Exception {
		Map<Integer, String> rows = new TreeMap<>();
		try (Connection connection = database.connect();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT * FROM " + table)) {
			while (result.next()) {
				rows.put(result.getInt(1), result.getString(2) + ((result.getMetaData().getColumnCount() > 2)
						? "/" + result.getInt(3) : ""));
			}
		}
		if (table.equals("outage")) {
			Map<Integer, String> values = new LinkedHashMap<>();
			rows.forEach((id, v) -> values.put(id, id + "/" + v));
			return values;
		}
		return rows;
	}

	static String header(ConsumerRecord<?, ?> record, String name) {
		Header header = record.headers().lastHeader(name);
		return (header != null) ? new String(header.value(), StandardCharsets.UTF_8) : "";
	}

	static String walPosition() throws Exception {
		try (Connection connection = database.connect();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT pg_current_wal_lsn()::text")) {
			result.next();
			return result.getString(1);
		}
	}

	static boolean confirmedBeyond(String slot, String position) throws Exception {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection.prepareStatement(
						"SELECT confirmed_flush_lsn > ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, position);
			statement.setString(2, slot);
			try (ResultSet result = statement.executeQuery()) {
				assertThat(result.next()).isTrue();
				return result.getBoolean(1);
			}
		}
	}

	static List<String> unused() {
		return new ArrayList<>(List.of(SnapshotMode.INITIAL.name(), SnapshotOptions.DEFAULT_PROGRESS_TABLE));
	}

}
