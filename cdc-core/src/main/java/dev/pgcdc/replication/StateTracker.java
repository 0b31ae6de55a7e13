package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the stream's state, logs each change once (INFO, ERROR for FAILED) and tells the
 * listeners on the thread that made the change.
 */
final class StateTracker {

	private static final Logger logger = LoggerFactory.getLogger(ChangeStream.class);

	private final String slot;

	private final List<StreamListener> listeners;

	private volatile StreamState state = StreamState.STOPPED;

	StateTracker(String slot, List<StreamListener> listeners) {
		this.slot = slot;
		this.listeners = listeners;
	}

	StreamState get() {
		return this.state;
	}

	/**
	 * @param next the new state
	 * @param detail what to add to the log line, or {@code null}
	 * @param cause the error behind the change, or {@code null}
	 */
	void change(StreamState next, @Nullable String detail, @Nullable Throwable cause) {
		StreamState previous;
		synchronized (this) {
			previous = this.state;
			if (previous == next || (previous == StreamState.FAILED && !leavesFailure(next))) {
				// a reader noticing the lost connection after the dispatcher failed must not turn a
				// dead stream into RECONNECTING
				return;
			}
			this.state = next;
		}
		String message = "Change stream on slot " + this.slot + ": " + previous + " -> " + next
				+ ((detail != null) ? " (" + detail + ")" : "");
		if (next == StreamState.FAILED) {
			// a configuration problem is fully described by its message; anything else needs its trace
			if (cause instanceof CdcConfigurationException) {
				logger.error(message);
			}
			else {
				logger.error(message, cause);
			}
		}
		else {
			logger.info(message);
			if (cause != null) {
				logger.debug("Cause of the change to {}", next, cause);
			}
		}
		for (StreamListener listener : this.listeners) {
			try {
				listener.stateChanged(previous, next, cause);
			}
			catch (RuntimeException ex) {
				logger.warn("Stream listener {} failed", listener, ex);
			}
		}
	}

	private static boolean leavesFailure(StreamState next) {
		return next == StreamState.STOPPED || next == StreamState.STARTING;
	}

}
