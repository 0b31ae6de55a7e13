package dev.pgcdc.snapshot;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A row's primary-key values as decoded, compared by value (a {@code bytea} key by its bytes),
 * so a chunk's rows and the stream's events name the same row the same way.
 */
final class RowKey {

	private final @Nullable Object[] values;

	private final int hash;

	private RowKey(@Nullable Object[] values) {
		this.values = values;
		this.hash = Arrays.hashCode(values);
	}

	/**
	 * @param row a row
	 * @param columns the key columns
	 * @return its key, or {@code null} when the row lacks a key column
	 */
	static @Nullable RowKey of(Map<String, @Nullable Object> row, String[] columns) {
		@Nullable Object[] values = new Object[columns.length];
		for (int i = 0; i < columns.length; i++) {
			if (!row.containsKey(columns[i])) {
				return null;
			}
			values[i] = normalized(row.get(columns[i]));
		}
		return new RowKey(values);
	}

	static RowKey of(@Nullable Object[] values) {
		@Nullable Object[] copy = new Object[values.length];
		for (int i = 0; i < values.length; i++) {
			copy[i] = normalized(values[i]);
		}
		return new RowKey(copy);
	}

	private static @Nullable Object normalized(@Nullable Object value) {
		return (value instanceof byte[] bytes) ? ByteBuffer.wrap(bytes) : value;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return (other instanceof RowKey that) && this.hash == that.hash && Arrays.equals(this.values, that.values);
	}

	@Override
	public int hashCode() {
		return this.hash;
	}

	@Override
	public String toString() {
		// keys are row values: never logged, so not shown
		return "RowKey[" + this.values.length + " columns]";
	}

}
