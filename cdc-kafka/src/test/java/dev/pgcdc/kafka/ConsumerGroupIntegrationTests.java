package dev.pgcdc.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.util.backoff.FixedBackOff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The scale-out: two members of one consumer group (spring-kafka's container with concurrency 2)
 * read the relayed topic while pgcdc streams; each gets a share of the partitions and together
 * they see every change, each exactly once, in per-key order.
 */
class ConsumerGroupIntegrationTests {

	static TestBroker broker;

	static TestDatabase database;

	@BeforeAll
	static void start() {
		broker = new TestBroker();
		database = TestPostgres.createDatabase("kafka_group");
	}

	@AfterAll
	static void stop() {
		database.close();
		broker.close();
	}

	@Test
	void twoGroupMembersShareThePartitionsAndTogetherSeeEveryChange() throws Exception {
		database.execute("CREATE TABLE orders (id int PRIMARY KEY, state int)");
		String topic = "grp.public.orders";
		broker.addTopic(new NewTopic(topic, 4, (short) 1));
		Map<String, List<ConsumerRecord<byte[], byte[]>>> byMember = new ConcurrentHashMap<>();
		Map<String, Object> config = new HashMap<>();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
		config.put(ConsumerConfig.GROUP_ID_CONFIG, "order-workers");
		config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		ContainerProperties properties = new ContainerProperties(topic);
		properties.setMessageListener((MessageListener<byte[], byte[]>) (record) -> byMember
			.computeIfAbsent(Thread.currentThread().getName(), (name) -> new CopyOnWriteArrayList<>())
			.add(record));
		ConcurrentMessageListenerContainer<byte[], byte[]> members = new ConcurrentMessageListenerContainer<>(
				new DefaultKafkaConsumerFactory<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
				properties);
		members.setConcurrency(2);
		members.start();
		int changes = 0;
		try (KafkaRelay relay = KafkaRelay.create(KafkaRelay.producerFor(broker.applicationTemplate()), RelayFormat.JSON,
				TopicPattern.of("grp.{schema}.{table}"), null, "test",
				new FixedBackOff(200, FixedBackOff.UNLIMITED_ATTEMPTS));
				ChangeStream stream = ChangeStream.builder()
					.url(database.jdbcUrl())
					.username(database.username())
					.password(database.password())
					.publication("orders_pub")
					.tables("orders")
					.relay(relay)
					.start()) {
			await().atMost(KafkaRelayIntegrationTests.TIMEOUT).until(() -> assigned(members).size() == 4
					&& members.getAssignmentsByClientId().values().stream().filter((parts) -> !parts.isEmpty()).count() == 2);
			for (int i = 1; i <= 200; i++) {
				database.execute("INSERT INTO orders VALUES (" + i + ", 0)", "UPDATE orders SET state = 1 WHERE id = "
						+ (1 + (i * 31 + 7) % i));
				changes += 2;
			}
			assertThat(stream.awaitCaughtUp(KafkaRelayIntegrationTests.TIMEOUT)).isTrue();
			int expected = changes;
			await().atMost(KafkaRelayIntegrationTests.TIMEOUT)
				.until(() -> byMember.values().stream().mapToInt(List::size).sum() >= expected);
			Map<String, Collection<TopicPartition>> assignments = members.getAssignmentsByClientId();
			assertThat(assignments.values()).allSatisfy((parts) -> assertThat(parts).isNotEmpty());
		}
		finally {
			members.stop();
		}
		assertThat(byMember).as("both members received changes").hasSize(2);
		Set<String> seen = new HashSet<>();
		Map<Integer, String> partitionMember = new HashMap<>();
		Map<String, String> lastPositionOfKey = new HashMap<>();
		byMember.forEach((member, records) -> {
			for (ConsumerRecord<byte[], byte[]> record : records) {
				assertThat(seen.add(record.partition() + "@" + record.offset())).as("each record once").isTrue();
				assertThat(partitionMember.putIfAbsent(record.partition(), member)).isIn(null, member);
				String key = new String(record.key(), StandardCharsets.UTF_8);
				String position = KafkaRelayIntegrationTests.header(record, KafkaRelay.POSITION_HEADER);
				String previous = lastPositionOfKey.put(key, position);
				assertThat(previous == null || previous.compareTo(position) < 0).as("per-key order for " + key).isTrue();
			}
		});
		assertThat(seen).hasSize(changes);
	}

	private static Set<TopicPartition> assigned(ConcurrentMessageListenerContainer<?, ?> members) {
		Set<TopicPartition> all = new HashSet<>();
		members.getAssignmentsByClientId().values().forEach(all::addAll);
		return all;
	}

}
