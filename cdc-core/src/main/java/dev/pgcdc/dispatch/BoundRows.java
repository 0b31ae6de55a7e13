package dev.pgcdc.dispatch;

import java.util.Arrays;
import java.util.Map;

import dev.pgcdc.event.CdcEvent;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JavaType;

/**
 * The rows of one event already bound to a parameter type, so handlers binding the same type
 * share one conversion (and one instance) instead of converting the row again each. Holds the
 * values of the latest event only; a row that fails to bind is not remembered, so each handler
 * gets its own failure as before. Dispatcher thread only.
 */
final class BoundRows {

	private @Nullable CdcEvent event;

	private @Nullable JavaType[] types = new JavaType[2];

	private @Nullable Object[] values = new Object[2];

	private int size;

	/**
	 * @param event the event the row belongs to
	 * @param row the event's row
	 * @param type the target type
	 * @param binder binds the row on the first request for this event and type
	 * @return the bound row
	 */
	@Nullable Object bind(CdcEvent event, Map<String, @Nullable Object> row, JavaType type, RowBinder binder) {
		if (event != this.event) {
			clear();
			this.event = event;
		}
		for (int i = 0; i < this.size; i++) {
			if (type.equals(this.types[i])) {
				return this.values[i];
			}
		}
		Object value = binder.bindRow(row, type);
		if (this.size == this.types.length) {
			this.types = Arrays.copyOf(this.types, this.size * 2);
			this.values = Arrays.copyOf(this.values, this.size * 2);
		}
		this.types[this.size] = type;
		this.values[this.size] = value;
		this.size++;
		return value;
	}

	/** Forget every value, so nothing outlives its event's dispatch. */
	void clear() {
		Arrays.fill(this.values, 0, this.size, null);
		Arrays.fill(this.types, 0, this.size, null);
		this.size = 0;
		this.event = null;
	}

}
