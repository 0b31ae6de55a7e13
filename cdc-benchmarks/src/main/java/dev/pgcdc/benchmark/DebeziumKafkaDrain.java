package dev.pgcdc.benchmark;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Debezium's embedded engine (the settings of {@link DebeziumDrain}, JSON without schemas) and
 * a plain {@link KafkaProducer} with Kafka's defaults ({@code acks=all}, idempotent), as a user
 * would write the same relay: each batch's records are sent, the producer flushed, then the
 * batch marked processed (so the offsets, too, follow the broker). An event counts once the
 * broker acknowledged its record.
 */
final class DebeziumKafkaDrain implements StreamingEngine {

	private final String bootstrapServers;

	private final String topic;

	DebeziumKafkaDrain(String bootstrapServers, String topic) {
		this.bootstrapServers = bootstrapServers;
		this.topic = topic;
	}

	@Override
	public String name() {
		return "debezium-kafka";
	}

	@Override
	public AutoCloseable open(DrainTarget target, Arrivals arrivals) {
		KafkaProducer<String, String> producer = new KafkaProducer<>(
				Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, this.bootstrapServers), new StringSerializer(),
				new StringSerializer());
		Properties settings = new DebeziumDrain(10).settings(target);
		settings.setProperty("converter.schemas.enable", "false");
		settings.setProperty("key.converter.schemas.enable", "false");
		settings.setProperty("value.converter.schemas.enable", "false");
		DebeziumEngine.Builder<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
			.using(settings)
			.notifying((List<ChangeEvent<String, String>> records,
					DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer) -> {
				for (ChangeEvent<String, String> record : records) {
					producer.send(new ProducerRecord<>(this.topic, record.key(), record.value()), (metadata, error) -> {
						if (error != null) {
							arrivals.fail("Kafka did not acknowledge: " + error);
						}
						else {
							arrivals.arrived(1, 0);
						}
					});
				}
				producer.flush();
				for (ChangeEvent<String, String> record : records) {
					committer.markProcessed(record);
				}
				committer.markBatchFinished();
			});
		return DebeziumDrain.start(engine, arrivals, producer);
	}

}
