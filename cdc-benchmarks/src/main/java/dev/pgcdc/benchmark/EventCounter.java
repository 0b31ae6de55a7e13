package dev.pgcdc.benchmark;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

/**
 * Counts events from a consumer thread and lets the measuring thread wait for a total. The
 * consumer notifies once per call, not per event, so the wake-ups cost nothing measurable.
 */
final class EventCounter {

	private long count;

	private long first = -1;

	private long last = -1;

	private final long expected;

	private @Nullable String failure;

	EventCounter(long expected) {
		this.expected = expected;
	}

	/**
	 * Count events delivered in one call of the consumer.
	 * @param events how many
	 */
	synchronized void add(long events) {
		long now = System.nanoTime();
		if (this.first < 0) {
			this.first = now;
		}
		this.last = now;
		this.count += events;
		if (this.count >= this.expected) {
			notifyAll();
		}
	}

	/**
	 * Stop waiting: the consumer ended before every event arrived.
	 * @param reason why
	 */
	synchronized void fail(String reason) {
		this.failure = reason;
		notifyAll();
	}

	/**
	 * Wait until the expected number of events arrived.
	 * @param started when the consumer was started
	 * @param timeout how long to wait at most
	 * @return the timings, and the heap in use with the consumer still running
	 * @throws InterruptedException if interrupted
	 * @throws TimeoutException if the events do not arrive in time
	 */
	synchronized DrainResult await(long started, Duration timeout) throws InterruptedException, TimeoutException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (this.count < this.expected) {
			if (this.failure != null) {
				throw new IllegalStateException("The consumer stopped after " + this.count + " of " + this.expected
						+ " events: " + this.failure);
			}
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				throw new TimeoutException("Only " + this.count + " of " + this.expected + " events arrived in " + timeout);
			}
			wait(Math.max(1, left / 1_000_000));
		}
		// the clock has stopped: the heap figures below do not count against the drain time
		Runtime runtime = Runtime.getRuntime();
		long used = runtime.totalMemory() - runtime.freeMemory();
		System.gc();
		long retained = runtime.totalMemory() - runtime.freeMemory();
		return new DrainResult(this.count, started, this.first, this.last, used, retained);
	}

}
