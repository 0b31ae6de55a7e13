package dev.pgcdc.benchmark;

import java.util.Map;

import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.kafka.KafkaRelay;
import dev.pgcdc.kafka.RelayFormat;
import dev.pgcdc.kafka.TopicPattern;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.PublicationMode;
import dev.pgcdc.replication.ReplicaIdentity;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.util.backoff.FixedBackOff;

/**
 * pgcdc's stream with its Kafka relay ({@code cdc-kafka}, JSON format) on the existing slot: an
 * event counts once the broker acknowledged its record (the counting handler runs after the
 * relay returned, as the annotated handlers do). The producer has Kafka's defaults
 * ({@code acks=all}, idempotent, {@code linger.ms=5}), as an application's KafkaTemplate would.
 */
final class KafkaRelayDrain implements StreamingEngine {

	private final String bootstrapServers;

	private final String topic;

	KafkaRelayDrain(String bootstrapServers, String topic) {
		this.bootstrapServers = bootstrapServers;
		this.topic = topic;
	}

	@Override
	public String name() {
		return "pgcdc-relay";
	}

	@Override
	public AutoCloseable open(DrainTarget target, Arrivals arrivals) {
		KafkaTemplate<Object, Object> application = new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(
				Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, this.bootstrapServers,
						ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
						ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)));
		KafkaRelay relay = KafkaRelay.create(KafkaRelay.producerFor(application), RelayFormat.JSON,
				TopicPattern.of(this.topic), null, "bench",
				new FixedBackOff(500, FixedBackOff.UNLIMITED_ATTEMPTS));
		ChangeStream stream = ChangeStream.builder()
			.url(target.database().jdbcUrl())
			.username(target.database().username())
			.password(target.database().password())
			.tables(Workload.TABLE.toString())
			.publication(target.publication())
			.publicationMode(PublicationMode.EXISTING)
			.replicaIdentity(ReplicaIdentity.UNCHANGED)
			.slot(target.slot())
			.durable(true)
			.relay(relay)
			.handler((TransactionBatch batch) -> arrivals.arrived(batch.events().size(), 0))
			.start();
		return () -> {
			try {
				stream.close();
			}
			finally {
				relay.close();
			}
		};
	}

}
