package dev.pgcdc.kafka;

/** Kafka refused a record in a way that waiting cannot cure; the stream stops without acknowledging. */
public class KafkaRelayException extends RuntimeException {

	/**
	 * @param message what was refused
	 * @param cause Kafka's error
	 */
	public KafkaRelayException(String message, Throwable cause) {
		super(message, cause);
	}

}
