package dev.pgcdc.benchmark;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

/**
 * Counts events from a consumer thread and lets the measuring thread wait for a total. The
 * consumer notifies once per call, not per event, so the wake-ups cost nothing measurable.
 */
class EventCounter implements Arrivals {

	private long count;

	private long first = -1;

	private long last = -1;

	private long expected;

	/** The count {@link #awaitCount} waits for, so that {@link #arrived} wakes it then and not on every call. */
	private long awaited = Long.MAX_VALUE;

	private @Nullable String failure;

	/** @param expected how many events to wait for ({@link Long#MAX_VALUE}: not known yet, see {@link #expect}) */
	EventCounter(long expected) {
		this.expected = expected;
	}

	@Override
	public boolean wantsCommitTimes() {
		return false;
	}

	@Override
	public final synchronized boolean arrived(int events, long commitMicros) {
		long now = System.nanoTime();
		if (this.first < 0) {
			this.first = now;
		}
		this.last = now;
		this.count += events;
		record(events, commitMicros);
		if (this.count >= this.awaited || this.count >= this.expected) {
			notifyAll();
		}
		return this.count >= this.expected;
	}

	/**
	 * Called for each {@link #arrived} call, holding this counter's lock: a subclass's chance to
	 * look at the commit time.
	 * @param events how many events arrived
	 * @param commitMicros their commit time (epoch microseconds), or 0
	 */
	void record(int events, long commitMicros) {
	}

	/**
	 * Set (or correct) how many events to wait for in all.
	 * @param total the number of events
	 */
	final synchronized void expect(long total) {
		this.expected = total;
		notifyAll();
	}

	@Override
	public final synchronized void fail(String reason) {
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
	final synchronized DrainResult await(long started, Duration timeout) throws InterruptedException, TimeoutException {
		awaitCount(this.expected, timeout);
		// the clock has stopped: the heap figures below do not count against the drain time
		Runtime runtime = Runtime.getRuntime();
		long used = runtime.totalMemory() - runtime.freeMemory();
		System.gc();
		long retained = runtime.totalMemory() - runtime.freeMemory();
		return new DrainResult(this.count, started, this.first, this.last, used, retained);
	}

	/**
	 * Wait until at least {@code events} events arrived, whatever is expected in all.
	 * @param events how many
	 * @param timeout how long to wait at most
	 * @throws InterruptedException if interrupted
	 * @throws TimeoutException if the events do not arrive in time
	 */
	final synchronized void awaitCount(long events, Duration timeout) throws InterruptedException, TimeoutException {
		long deadline = System.nanoTime() + timeout.toNanos();
		this.awaited = events;
		try {
			while (this.count < events) {
				if (this.failure != null) {
					throw new IllegalStateException("The consumer stopped after " + this.count + " of " + events
							+ " events: " + this.failure);
				}
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					throw new TimeoutException("Only " + this.count + " of " + events + " events arrived in " + timeout);
				}
				wait(Math.max(1, left / 1_000_000));
			}
		}
		finally {
			this.awaited = Long.MAX_VALUE;
		}
	}

}
