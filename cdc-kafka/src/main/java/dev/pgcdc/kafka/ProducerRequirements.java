package dev.pgcdc.kafka;

import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.jspecify.annotations.Nullable;

/**
 * What the relay needs of the producer so that an acknowledged record is not lost and a retried
 * one is not written twice by the producer itself: {@code acks=all} and
 * {@code enable.idempotence=true} (both Kafka's defaults since 3.0), and no transactions (each
 * record is acknowledged on its own).
 */
public final class ProducerRequirements {

	private ProducerRequirements() {
	}

	/**
	 * A producer setting that contradicts the relay's needs.
	 * @param setting the Kafka producer setting ({@code acks}, {@code enable.idempotence})
	 * @param value its configured value
	 * @param fix what to set instead
	 */
	public record Violation(String setting, Object value, String fix) {
	}

	/**
	 * @param config the producer configuration (Kafka setting names)
	 * @return the first setting that contradicts the relay's needs, if any
	 */
	public static Optional<Violation> check(Map<String, Object> config) {
		Object acks = config.get(ProducerConfig.ACKS_CONFIG);
		if (acks != null && !"all".equalsIgnoreCase(acks.toString().trim()) && !"-1".equals(acks.toString().trim())) {
			return Optional.of(new Violation(ProducerConfig.ACKS_CONFIG, acks,
					"the relay acknowledges a transaction to PostgreSQL once Kafka acknowledged its records, which is"
							+ " safe only with acks=all: remove the setting (Kafka's default is all) or set it to all"));
		}
		Object idempotence = config.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG);
		if (idempotence != null && !Boolean.parseBoolean(idempotence.toString().trim())) {
			return Optional.of(new Violation(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotence,
					"the relay needs an idempotent producer, so that the producer's own retries neither duplicate"
							+ " nor reorder records: remove the setting (Kafka's default is true) or set it to true"));
		}
		return Optional.empty();
	}

	/**
	 * @param transactionIdPrefix the producer factory's transaction id prefix
	 * @return a violation if the producer is transactional
	 */
	public static Optional<Violation> checkTransactions(@Nullable String transactionIdPrefix) {
		if (transactionIdPrefix == null) {
			return Optional.empty();
		}
		return Optional.of(new Violation("transaction-id-prefix", transactionIdPrefix,
				"the relay sends each record on its own and waits for its acknowledgement; it does not run"
						+ " Kafka transactions: remove the transaction id prefix, or give the relay a"
						+ " non-transactional KafkaTemplate bean"));
	}

}
