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
	TRUNCATE
}
