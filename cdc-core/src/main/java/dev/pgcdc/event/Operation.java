package dev.pgcdc.event;

/** The kind of row change a {@link ChangeEvent} reports. */
public enum Operation {
	/** A row was inserted. */
	INSERT,
	/** A row was updated. */
	UPDATE,
	/** A row was deleted. */
	DELETE,
	/** The table was truncated; the event carries no rows. */
	TRUNCATE,
	/**
	 * A row as read by a snapshot, not a change: {@code newRecord()} is the row,
	 * {@code oldRecord()} is {@code null}, {@code xid()} is {@code 0}.
	 */
	SNAPSHOT
}
