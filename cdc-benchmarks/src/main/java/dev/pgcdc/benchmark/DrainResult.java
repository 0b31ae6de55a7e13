package dev.pgcdc.benchmark;

/**
 * What one drain measured, times in {@link System#nanoTime()} terms.
 *
 * @param events the events the consumer counted ({@code -1} when the consumer cannot count them)
 * @param started when the consumer was started (the clock starts here)
 * @param firstEvent when the first event arrived ({@code -1} if unknown)
 * @param lastEvent when the last event arrived
 * @param heapUsed heap bytes in use when the last event arrived, garbage included
 * ({@code -1}: not a JVM consumer)
 * @param heapRetained heap bytes in use after a full GC with the consumer still running
 * ({@code -1}: not a JVM consumer)
 */
public record DrainResult(long events, long started, long firstEvent, long lastEvent, long heapUsed,
		long heapRetained) {

	/** @return seconds from starting the consumer to the last event */
	public double drainSeconds() {
		return (this.lastEvent - this.started) / 1e9;
	}

	/** @return seconds from starting the consumer to the first event, or {@code NaN} if unknown */
	public double firstEventSeconds() {
		return (this.firstEvent < 0) ? Double.NaN : (this.firstEvent - this.started) / 1e9;
	}

}
