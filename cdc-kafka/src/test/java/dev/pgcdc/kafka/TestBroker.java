package dev.pgcdc.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import kafka.server.BrokerServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A real KRaft broker in the test JVM (spring-kafka-test), three partitions per auto-created
 * topic; its broker can be stopped and started again with its data (the controller runs on).
 */
final class TestBroker implements AutoCloseable {

	static final int PARTITIONS = 3;

	private final EmbeddedKafkaKraftBroker broker;

	TestBroker() {
		this.broker = new EmbeddedKafkaKraftBroker(1, PARTITIONS);
		this.broker.brokerProperty("num.partitions", PARTITIONS);
		this.broker.brokerProperty("auto.create.topics.enable", true);
		this.broker.afterPropertiesSet();
	}

	String bootstrapServers() {
		return this.broker.getBrokersAsString();
	}

	/** Stop the broker (its data stays); the controller keeps running. */
	void stop() {
		for (BrokerServer server : this.broker.getCluster().brokers().values()) {
			server.shutdown();
			server.awaitShutdown();
		}
	}

	/** Start the stopped broker again, on the same port with the same data. */
	void start() {
		for (BrokerServer server : this.broker.getCluster().brokers().values()) {
			server.startup();
		}
	}

	/**
	 * The application's template as a relay test gets it: the producer fails a record after a few
	 * seconds without the broker (instead of two minutes), so an outage shows quickly.
	 */
	KafkaTemplate<Object, Object> applicationTemplate() {
		Map<String, Object> config = new HashMap<>();
		config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
		config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 4000);
		config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1500);
		config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000);
		config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
		return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(config));
	}

	KafkaConsumer<byte[], byte[]> consumer(String group) {
		Map<String, Object> config = new HashMap<>();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
		config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
		config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
	}

	/**
	 * Everything on the topics now, read from the start of every partition up to its end.
	 * @param topics the topics
	 * @return the records per partition, in offset order
	 */
	Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> readAll(String... topics) {
		try (KafkaConsumer<byte[], byte[]> consumer = consumer("reader-" + System.nanoTime())) {
			List<TopicPartition> partitions = new ArrayList<>();
			for (String topic : topics) {
				for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
					partitions.add(new TopicPartition(topic, info.partition()));
				}
			}
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
			Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = new HashMap<>();
			partitions.forEach((partition) -> records.put(partition, new ArrayList<>()));
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			while (partitions.stream().anyMatch((partition) -> consumer.position(partition) < end.get(partition))) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("did not read to the end of " + partitions);
				}
				for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
					records.get(new TopicPartition(record.topic(), record.partition())).add(record);
				}
			}
			return records;
		}
	}

	void addTopic(org.apache.kafka.clients.admin.NewTopic topic) {
		this.broker.addTopics(topic);
	}

	Set<String> topics() {
		return this.broker.getTopics().stream().collect(Collectors.toSet());
	}

	@Override
	public void close() {
		this.broker.destroy();
	}

}
