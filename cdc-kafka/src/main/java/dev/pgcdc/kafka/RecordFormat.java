package dev.pgcdc.kafka;

import java.util.List;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import org.jspecify.annotations.Nullable;

/** Writes the key and value bytes of the records for one {@link RelayFormat}. */
interface RecordFormat {

	/**
	 * @param event the change
	 * @param keyColumns the table's primary-key columns, in key order; empty when it has none
	 * @return the key, {@code null} for a TRUNCATE (sent to every partition)
	 */
	byte @Nullable [] key(ChangeEvent event, List<String> keyColumns);

	/**
	 * @param event the change
	 * @return the value
	 */
	byte[] value(ChangeEvent event);

	/**
	 * @param event a DELETE that was just written
	 * @return whether a tombstone (the key with a {@code null} value) follows it, for compacted topics
	 */
	boolean tombstoneAfter(ChangeEvent event);

	/**
	 * @param message a logical message
	 * @return the key
	 */
	byte[] key(LogicalMessage message);

	/**
	 * @param message a logical message
	 * @return the value
	 */
	byte[] value(LogicalMessage message);

	/**
	 * The key columns' values of the row a change is about (the old row for DELETE), in key order.
	 * @param event the change
	 * @param keyColumns the key columns
	 * @return the key values, or {@code null} for a TRUNCATE
	 */
	static java.util.@Nullable Map<String, @Nullable Object> keyOf(ChangeEvent event, List<String> keyColumns) {
		java.util.Map<String, @Nullable Object> row = event.record();
		if (row == null) {
			return null;
		}
		java.util.Map<String, @Nullable Object> key = new java.util.LinkedHashMap<>();
		for (String column : keyColumns) {
			key.put(column, row.get(column));
		}
		return key;
	}

}
