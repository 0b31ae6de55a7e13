package dev.pgcdc.benchmark;

import java.util.Map;

import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.AsyncBatchHandler;
import dev.pgcdc.stream.BatchCompletion;
import dev.pgcdc.stream.TableKeys;
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
			.relay(new Acknowledged(relay, arrivals))
			.handler((TransactionBatch batch) -> {
			})
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

	/** Counts a batch's events as arrived when the broker acknowledged them (the relay is pipelined). */
	private record Acknowledged(KafkaRelay relay, Arrivals arrivals) implements AsyncBatchHandler, TableKeys.User {

		@Override
		public void handle(TransactionBatch batch, BatchCompletion completion) throws Exception {
			int events = batch.events().size();
			this.relay.handle(batch, new BatchCompletion() {

				@Override
				public void complete() {
					Acknowledged.this.arrivals.arrived(events, 0);
					completion.complete();
				}

				@Override
				public void fail(Throwable error) {
					completion.fail(error);
				}

				@Override
				public boolean cancelled() {
					return completion.cancelled();
				}

			});
		}

		@Override
		public void useKeys(TableKeys keys) {
			this.relay.useKeys(keys);
		}

	}

}
