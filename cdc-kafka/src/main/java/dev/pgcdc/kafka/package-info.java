/**
 * The relay to Kafka: every batch of the stream becomes Kafka records (pgcdc JSON or Debezium's
 * envelope), sent through a {@code KafkaTemplate}; the batch returns, and so the transaction may
 * be acknowledged to PostgreSQL, only after the broker acknowledged every record of it.
 */
@NullMarked
package dev.pgcdc.kafka;

import org.jspecify.annotations.NullMarked;
