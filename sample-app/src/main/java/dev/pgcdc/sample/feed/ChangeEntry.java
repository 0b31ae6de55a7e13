package dev.pgcdc.sample.feed;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.pgcdc.event.ChangeEvent;

/**
 * A row change as the page shows it: values rendered as text, changed columns as old → new.
 *
 * @param table the table ({@code schema.table} outside {@code public})
 * @param operation {@code INSERT}, {@code UPDATE}, {@code DELETE} or {@code TRUNCATE}
 * @param row the new row (the old row for DELETE), values as text
 * @param changes for UPDATE, the columns whose value changed
 * @param commitTime the commit time, ISO-8601
 * @param lsn the commit LSN
 * @param xid the transaction id
 */
public record ChangeEntry(String table, String operation, Map<String, @Nullable String> row,
		List<ColumnChange> changes, String commitTime, String lsn, long xid) {

	/**
	 * Render an event.
	 * @param event the event
	 * @return the entry
	 */
	public static ChangeEntry of(ChangeEvent event) {
		String table = "public".equals(event.schema()) ? event.table() : event.qualifiedTable();
		Map<String, @Nullable String> row = new LinkedHashMap<>();
		Map<String, @Nullable Object> record = event.record();
		if (record != null) {
			record.forEach((column, value) -> row.put(column, text(value)));
		}
		List<ColumnChange> changes = new ArrayList<>();
		event.changes()
			.forEach((column, change) -> changes
				.add(new ColumnChange(column, text(change.oldValue()), text(change.newValue()))));
		return new ChangeEntry(table, event.operation().name(), row, changes, event.commitTimestamp().toString(),
				event.lsn(), event.xid());
	}

	static @Nullable String text(@Nullable Object value) {
		if (value == null) {
			return null;
		}
		if (value instanceof byte[] bytes) {
			return "\\x" + HexFormat.of().formatHex(bytes);
		}
		return value.toString();
	}

	/**
	 * One changed column.
	 * @param column the column name
	 * @param oldValue the value before, as text
	 * @param newValue the value after, as text
	 */
	public record ColumnChange(String column, @Nullable String oldValue, @Nullable String newValue) {
	}

}
