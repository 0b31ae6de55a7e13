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

}
