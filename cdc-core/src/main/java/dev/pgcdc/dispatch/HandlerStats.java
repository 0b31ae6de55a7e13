package dev.pgcdc.dispatch;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * Live counters of one handler, for the endpoint and metrics. Written by the dispatcher
 * thread, readable from any thread.
 */
public final class HandlerStats {

	private final AtomicLong invocations = new AtomicLong();

	private final AtomicLong failures = new AtomicLong();

	private final AtomicLong skipped = new AtomicLong();

	private final AtomicLong filtered = new AtomicLong();

	private volatile @Nullable String lastError;

	private volatile @Nullable Instant lastErrorTime;

	void countInvocation() {
		this.invocations.incrementAndGet();
	}

	void countFailure(Throwable error) {
		this.failures.incrementAndGet();
		this.lastError = error.getClass().getName() + ": " + error.getMessage();
		this.lastErrorTime = Instant.now();
	}

	void countSkipped(int events) {
		this.skipped.addAndGet(events);
	}

	void countFiltered() {
		this.filtered.incrementAndGet();
	}

	/** @return how many times the method was called, retries included */
	public long invocations() {
		return this.invocations.get();
	}

	/** @return how many calls threw (retries included) */
	public long failures() {
		return this.failures.get();
	}

	/** @return how many events were given up on under {@link ErrorPolicy#SKIP} */
	public long skipped() {
		return this.skipped.get();
	}

	/** @return how many events of the handler's tables and operations its filters skipped */
	public long filtered() {
		return this.filtered.get();
	}

	/** @return the last error ({@code class: message}), if any */
	public @Nullable String lastError() {
		return this.lastError;
	}

	/** @return when the last error happened, if any */
	public @Nullable Instant lastErrorTime() {
		return this.lastErrorTime;
	}

}
