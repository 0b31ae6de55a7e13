package dev.pgcdc.snapshot;

/** When the stream snapshots its tables by itself ({@code cdc.snapshot.mode}). */
public enum SnapshotMode {

	/** Never: snapshots run only on demand. */
	NEVER,

	/**
	 * When pgcdc creates the slot: a durable slot created at start-up, or the first temporary
	 * slot of a run. Every subscribed table taking part is read once.
	 */
	INITIAL,

	/**
	 * As {@link #INITIAL}, and again whenever the slot had to be created anew: a temporary slot
	 * at every session (each start and each reconnect, as changes between sessions are lost), a
	 * durable slot that was absent.
	 */
	WHEN_NEEDED

}
