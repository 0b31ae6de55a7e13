package dev.pgcdc.kafka;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgcdc.event.TableName;
import dev.pgcdc.stream.CdcConfigurationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

/**
 * The topic of each table, from a pattern whose {@code {schema}} and {@code {table}} are
 * replaced ({@code cdc.kafka.topic}). Each name is checked with Kafka's own rule (letters,
 * digits, {@code .}, {@code _} and {@code -}, at most 249 characters).
 */
public final class TopicPattern {

	/** The placeholder for the table's schema. */
	public static final String SCHEMA = "{schema}";

	/** The placeholder for the table's name. */
	public static final String TABLE = "{table}";

	private final String pattern;

	private final Map<TableName, String> topics = new ConcurrentHashMap<>();

	private TopicPattern(String pattern) {
		this.pattern = pattern;
	}

	/**
	 * @param pattern the pattern, such as {@code orders.{schema}.{table}}
	 * @return the pattern
	 * @throws IllegalArgumentException naming the problem if the pattern cannot give a valid
	 * topic name (checked with schema {@code public} and table {@code t})
	 */
	public static TopicPattern of(String pattern) {
		TopicPattern topics = new TopicPattern(pattern);
		String sample = topics.resolve("public", "t");
		try {
			Topic.validate(sample);
		}
		catch (InvalidTopicException ex) {
			throw new IllegalArgumentException("'" + pattern + "' gives topic names such as '" + sample
					+ "', which Kafka rejects: " + ex.getMessage() + " Use letters, digits, '.', '_' and '-' besides "
					+ SCHEMA + " and " + TABLE + ".");
		}
		return topics;
	}

	/**
	 * @param table a table
	 * @return its topic
	 * @throws CdcConfigurationException if the table's name makes an invalid topic name
	 */
	public String topic(TableName table) {
		return this.topics.computeIfAbsent(table, (key) -> {
			String topic = resolve(key.schema(), key.name());
			try {
				Topic.validate(topic);
			}
			catch (InvalidTopicException ex) {
				throw new CdcConfigurationException("cdc.kafka.topic '" + this.pattern + "' gives the topic '" + topic
						+ "' for table " + key + ", which Kafka rejects (" + ex.getMessage()
						+ "): use a pattern without that table's " + SCHEMA + "/" + TABLE
						+ " (a fixed topic name) or rename the table");
			}
			return topic;
		});
	}

	private String resolve(String schema, String table) {
		return this.pattern.replace(SCHEMA, schema).replace(TABLE, table);
	}

	@Override
	public String toString() {
		return this.pattern;
	}

}
