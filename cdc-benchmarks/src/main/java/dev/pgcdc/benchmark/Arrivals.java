package dev.pgcdc.benchmark;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * Where a {@link StreamingEngine}'s consumer reports what reached it, on the consumer's own
 * thread: {@link EventCounter} for the drain (counts only), {@link LatencyRecorder} for the
 * latency measurement (counts and commit-to-arrival times).
 */
interface Arrivals {

	/**
	 * Whether {@link #arrived} needs the true commit time of every call. An engine for which that
	 * costs work per event (Debezium: two look-ups in each record) skips it when this is false
	 * and reports whole batches with a commit time of 0.
	 * @return whether commit times are used
	 */
	boolean wantsCommitTimes();

	/**
	 * Events arrived in one call of the consumer (or one chunk of a transaction).
	 * @param events how many
	 * @param commitMicros their transaction's commit time from the WAL, microseconds since the
	 * Unix epoch on the server's clock (0 when {@link #wantsCommitTimes()} is false)
	 * @return whether every expected event has now arrived (an engine that cannot tell when it is
	 * done by itself stops reading then)
	 */
	boolean arrived(int events, long commitMicros);

	/**
	 * The consumer ended before every expected event arrived.
	 * @param reason why
	 */
	void fail(String reason);

	/**
	 * @param instant a point in time, such as a commit timestamp, or {@code null}
	 * @return it in microseconds since the Unix epoch (the precision of PostgreSQL's timestamps), 0 for {@code null}
	 */
	static long epochMicros(@Nullable Instant instant) {
		return (instant == null) ? 0 : instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1000;
	}

}
