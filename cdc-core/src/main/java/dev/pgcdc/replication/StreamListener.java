package dev.pgcdc.replication;

import org.jspecify.annotations.Nullable;

/** Told about every state change of a {@link ChangeStream}, on the thread that made it. */
@FunctionalInterface
public interface StreamListener {

	/**
	 * @param previous the state before
	 * @param current the new state
	 * @param cause the error behind the change, if any
	 */
	void stateChanged(StreamState previous, StreamState current, @Nullable Throwable cause);

	/**
	 * A new slot: told on the thread that creates it, just before a durable slot is created, or
	 * right after a temporary one was (each session of a temporary slot has a new one). Changes
	 * committed before it are not in the stream; snapshots start here.
	 * @param durable whether the slot is durable
	 * @throws RuntimeException to fail the start-up (a durable slot is then not created)
	 */
	default void newSlot(boolean durable) {
	}

	/**
	 * The durable slot was dropped and created anew because the server had invalidated it
	 * ({@code cdc.slot.on-invalidated=recreate}): the changes in between are not in the stream.
	 * Told on the thread that creates it, just before the new slot is created.
	 */
	default void slotRecreated() {
	}

}
