package dev.pgcdc.event;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * One row change (or one truncated table) of a committed transaction.
 * <p>
 * Values are Java types decoded from the WAL (see the README's type table).
 * {@link #changes()} is computed from the old and new rows, so it is empty whenever the old
 * values of a column are unknown. An unchanged TOASTed value that was not sent by the server
 * is filled from the old row when known, otherwise left out of {@link #newRecord()} and
 * named by {@link #unchangedToastColumns()}.
 *
 * @param operation the kind of change
 * @param schema the table's schema
 * @param table the table's name
 * @param newRecord the new row, {@code null} for DELETE and TRUNCATE
 * @param oldRecord the old row: every column under REPLICA IDENTITY FULL, the key columns
 * under DEFAULT or USING INDEX, {@code null} for INSERT and TRUNCATE (and for UPDATE when the
 * server sent no old values)
 * @param changes for UPDATE, the columns whose value changed; empty otherwise
 * @param unchangedToastColumns columns whose unchanged TOASTed value was not sent and is not
 * known
 * @param commitTimestamp the commit time of the transaction
 * @param lsn the commit LSN of the transaction, equal for all its events
 * @param xid the transaction id
 * @param source where the event came from
 * @param position unique within the stream, the same when the event is delivered again, and
 * sorting in delivery order with {@link String#compareTo}: the commit LSN and the event's index
 * in its transaction (see {@link EventPosition}); the idempotency key for handlers
 */
public record ChangeEvent(Operation operation, String schema, String table, @Nullable Map<String, @Nullable Object> newRecord,
		@Nullable Map<String, @Nullable Object> oldRecord, Map<String, ValueChange> changes, Set<String> unchangedToastColumns,
		Instant commitTimestamp, String lsn, long xid, Source source, String position) implements CdcEvent {

	public ChangeEvent {
		Objects.requireNonNull(operation, "operation");
		Objects.requireNonNull(position, "position");
		newRecord = (newRecord != null) ? Collections.unmodifiableMap(newRecord) : null;
		oldRecord = (oldRecord != null) ? Collections.unmodifiableMap(oldRecord) : null;
		// most events have no changes (every INSERT and DELETE): no wrapper for those
		changes = changes.isEmpty() ? Collections.emptyMap() : Collections.unmodifiableMap(changes);
		// most rows have none: skip the copy
		unchangedToastColumns = unchangedToastColumns.isEmpty() ? Set.of() : Set.copyOf(unchangedToastColumns);
	}

	/**
	 * Create an event, computing {@link #changes()} for an UPDATE from the two rows.
	 * @param operation the kind of change
	 * @param source the source, which also gives schema and table
	 * @param newRecord the new row or {@code null}
	 * @param oldRecord the old row or {@code null}
	 * @param unchangedToastColumns columns left out of the new row as unchanged TOAST
	 * @param commitTimestamp the commit time
	 * @param lsn the commit LSN
	 * @param xid the transaction id
	 * @param position the event's position (see {@link EventPosition})
	 * @return a new event
	 */
	public static ChangeEvent of(Operation operation, Source source, @Nullable Map<String, @Nullable Object> newRecord,
			@Nullable Map<String, @Nullable Object> oldRecord, Set<String> unchangedToastColumns, Instant commitTimestamp,
			String lsn, long xid, String position) {
		Map<String, ValueChange> changes = (operation == Operation.UPDATE && newRecord != null && oldRecord != null)
				? diff(oldRecord, newRecord) : Map.of();
		return new ChangeEvent(operation, source.schema(), source.table(), newRecord, oldRecord, changes,
				unchangedToastColumns, commitTimestamp, lsn, xid, source, position);
	}

	/**
	 * The columns present in both rows whose values differ, in table order.
	 */
	private static Map<String, ValueChange> diff(Map<String, @Nullable Object> oldRecord,
			Map<String, @Nullable Object> newRecord) {
		Map<String, ValueChange> changes = new LinkedHashMap<>();
		for (Map.Entry<String, @Nullable Object> entry : newRecord.entrySet()) {
			String column = entry.getKey();
			if (!oldRecord.containsKey(column)) {
				continue;
			}
			Object before = oldRecord.get(column);
			Object after = entry.getValue();
			if (!Objects.deepEquals(before, after)) {
				changes.put(column, new ValueChange(before, after));
			}
		}
		return changes;
	}

	/**
	 * The row a filter or a bound parameter looks at: the new row, or the old row for DELETE.
	 * @return the row, or {@code null} for TRUNCATE
	 */
	public @Nullable Map<String, @Nullable Object> record() {
		return (this.operation == Operation.DELETE) ? this.oldRecord : this.newRecord;
	}

	/**
	 * The schema-qualified table name, {@code schema.table}.
	 * @return the qualified name
	 */
	public String qualifiedTable() {
		return this.schema + "." + this.table;
	}

	@Override
	public boolean equals(Object other) {
		return (other instanceof ChangeEvent that) && this.operation == that.operation && this.xid == that.xid
				&& this.schema.equals(that.schema) && this.table.equals(that.table) && this.lsn.equals(that.lsn)
				&& this.position.equals(that.position)
				&& rowsEqual(this.newRecord, that.newRecord) && rowsEqual(this.oldRecord, that.oldRecord)
				&& this.unchangedToastColumns.equals(that.unchangedToastColumns)
				&& this.commitTimestamp.equals(that.commitTimestamp);
	}

	private static boolean rowsEqual(@Nullable Map<String, @Nullable Object> a, @Nullable Map<String, @Nullable Object> b) {
		if (a == null || b == null) {
			return a == b;
		}
		if (!a.keySet().equals(b.keySet())) {
			return false;
		}
		for (Map.Entry<String, @Nullable Object> entry : a.entrySet()) {
			if (!Objects.deepEquals(entry.getValue(), b.get(entry.getKey()))) {
				return false;
			}
		}
		return true;
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.operation, this.schema, this.table, this.position, this.xid);
	}

	@Override
	public String toString() {
		return "ChangeEvent[" + this.operation + " " + qualifiedTable() + " position=" + this.position + " xid=" + this.xid
				+ " new=" + render(this.newRecord) + " old=" + render(this.oldRecord) + " changes=" + this.changes.keySet()
				+ "]";
	}

	private static String render(@Nullable Map<String, @Nullable Object> row) {
		if (row == null) {
			return "null";
		}
		StringBuilder text = new StringBuilder("{");
		row.forEach((key, value) -> text.append(text.length() > 1 ? ", " : "").append(key).append('=')
				.append(value instanceof byte[] bytes ? Arrays.toString(bytes) : value));
		return text.append('}').toString();
	}

}
