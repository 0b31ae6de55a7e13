package dev.pgcdc.kafka;

/** How a relayed change is written as a Kafka record ({@code cdc.kafka.format}). */
public enum RelayFormat {

	/** The {@link dev.pgcdc.event.ChangeEvent} as JSON, its accessors as fields. */
	JSON,

	/**
	 * Debezium's PostgreSQL connector envelope ({@code before}, {@code after}, {@code source},
	 * {@code op}, {@code ts_ms}) as its {@code JsonConverter} writes it with schemas disabled.
	 */
	DEBEZIUM

}
