package dev.pgcdc.replication;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.stream.CdcConfigurationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream's actual state. Each change is logged once (INFO, ERROR for FAILED) and handed to
 * the listeners on a thread of their own, one change after the other in the order they
 * happened: a slow listener never stalls reading or dispatching, and no listener sees two
 * changes reversed.
 * <p>
 * Every start of the stream is a new <em>run</em>. Threads of a run that was stopped (or
 * abandoned) may still report; their changes are ignored, so a stopped stream never turns
 * back to STREAMING.
 */
final class StateTracker {

	private static final Logger logger = LoggerFactory.getLogger(ChangeStream.class);

	private final String slot;

	private final List<StreamListener> listeners;

	/** One thread at most, in order, gone after a second without changes. */
	private final ThreadPoolExecutor notifier;

	private volatile StreamState state = StreamState.STOPPED;

	private long run;

	StateTracker(String slot, List<StreamListener> listeners) {
		this.slot = slot;
		this.listeners = listeners;
		this.notifier = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), (task) -> {
			Thread thread = new Thread(task, "pgcdc-state-" + slot);
			// not a daemon: a change is handed over by a stream thread that may be the JVM's last
			// non-daemon thread (a worker application after FAILED); a daemon notifier would let the JVM
			// end with status 0 before the listeners ran (cdc.exit-on-failure's exit 1 was lost that way).
			// It holds the JVM at most a second after the last change.
			thread.setDaemon(false);
			return thread;
		});
		this.notifier.allowCoreThreadTimeOut(true);
	}

	StreamState get() {
		return this.state;
	}

	/**
	 * Begin a new run in state STARTING.
	 * @param detail what to add to the log line
	 * @return the run's number, for {@link #change(long, StreamState, String, Throwable)}
	 */
	synchronized long start(String detail) {
		this.run++;
		apply(StreamState.STARTING, detail, null);
		return this.run;
	}

	/**
	 * End the current run: STOPPED, and later changes of its threads are ignored.
	 */
	synchronized void stopped() {
		this.run++;
		apply(StreamState.STOPPED, null, null);
	}

	/**
	 * @param run the run the change comes from
	 * @param next the new state
	 * @param detail what to add to the log line, or {@code null}
	 * @param cause the error behind the change, or {@code null}
	 * @return whether the change was made (not from a stopped run, not leaving FAILED)
	 */
	synchronized boolean change(long run, StreamState next, @Nullable String detail, @Nullable Throwable cause) {
		if (run != this.run) {
			return false;
		}
		if (this.state == StreamState.FAILED) {
			// a reader noticing the lost connection after the dispatcher failed must not revive a dead run
			return false;
		}
		return apply(next, detail, cause);
	}

	/**
	 * Change only if the current state is the expected one (pausing and resuming).
	 * @return whether the change was made
	 */
	synchronized boolean changeIf(long run, StreamState expected, StreamState next) {
		return this.state == expected && change(run, next, null, null);
	}

	synchronized boolean isCurrent(long run) {
		return run == this.run;
	}

	private boolean apply(StreamState next, @Nullable String detail, @Nullable Throwable cause) {
		StreamState previous = this.state;
		if (previous == next) {
			return false;
		}
		this.state = next;
		log(previous, next, detail, cause);
		if (!this.listeners.isEmpty()) {
			this.notifier.execute(() -> notifyListeners(previous, next, cause));
		}
		return true;
	}

	private void log(StreamState previous, StreamState next, @Nullable String detail, @Nullable Throwable cause) {
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
	}

	private void notifyListeners(StreamState previous, StreamState next, @Nullable Throwable cause) {
		for (StreamListener listener : this.listeners) {
			try {
				listener.stateChanged(previous, next, cause);
			}
			catch (RuntimeException ex) {
				logger.warn("Stream listener {} failed", listener, ex);
			}
		}
	}

	/**
	 * The view of one run's threads: their changes count only while the run is current.
	 *
	 * @param tracker the tracker
	 * @param run the run's number
	 */
	record RunState(StateTracker tracker, long run) {

		StreamState get() {
			return this.tracker.get();
		}

		boolean change(StreamState next, @Nullable String detail, @Nullable Throwable cause) {
			return this.tracker.change(this.run, next, detail, cause);
		}

		boolean changeIf(StreamState expected, StreamState next) {
			return this.tracker.changeIf(this.run, expected, next);
		}

		/** @return whether this run is still the stream's current one */
		boolean current() {
			return this.tracker.isCurrent(this.run);
		}

	}

}
