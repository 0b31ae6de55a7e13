package dev.pgcdc.replication;

/**
 * What a stream does when the server has invalidated its durable slot (the slot fell further
 * behind than {@code max_slot_wal_keep_size} allows, or, on a standby, the rows it needed were
 * removed): the WAL the slot needed is gone, so the changes in it can no longer be delivered.
 */
public enum InvalidatedSlotPolicy {

	/** Go {@link StreamState#FAILED}, with a message naming the cause and the fix (the default). */
	FAIL,

	/**
	 * Drop the slot and create it anew, logging a WARN that the changes in between were lost, and
	 * stream on from the new slot.
	 */
	RECREATE

}
