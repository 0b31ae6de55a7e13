package dev.pgcdc.snapshot;

/** A snapshot of the table is already queued or running: cancel it first, or wait for it. */
public class SnapshotAlreadyRunningException extends IllegalStateException {

	/**
	 * @param message which table and what to do
	 */
	public SnapshotAlreadyRunningException(String message) {
		super(message);
	}

}
