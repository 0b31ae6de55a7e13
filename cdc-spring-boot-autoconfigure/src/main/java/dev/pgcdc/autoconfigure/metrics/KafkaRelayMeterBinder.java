package dev.pgcdc.autoconfigure.metrics;

import dev.pgcdc.kafka.KafkaRelay;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The Kafka relay's meters: {@code cdc.kafka.records} (counter: records the broker
 * acknowledged) and {@code cdc.kafka.retries} (counter: times the relay sent again from the
 * first unacknowledged transaction after the broker did not acknowledge). The producer's own
 * meters are spring-kafka's.
 */
public final class KafkaRelayMeterBinder implements MeterBinder {

	private final KafkaRelay relay;

	/** @param relay the relay to measure */
	public KafkaRelayMeterBinder(KafkaRelay relay) {
		this.relay = relay;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		FunctionCounter.builder("cdc.kafka.records", this.relay, KafkaRelay::relayed)
			.description("Records of changes and messages the Kafka broker acknowledged")
			.register(registry);
		FunctionCounter.builder("cdc.kafka.retries", this.relay, KafkaRelay::retries)
			.description("Times the relay sent again after the broker did not acknowledge")
			.register(registry);
	}

}
