package dev.pgcdc.benchmark;

import java.time.Instant;

import org.HdrHistogram.Histogram;

/**
 * An {@link EventCounter} that also records, for each event whose transaction committed inside
 * the measured window, the time from that commit (the timestamp PostgreSQL wrote in the WAL)
 * to the event reaching the consumer, in microseconds. Server and consumer run on the same
 * machine, so both times come from one clock ({@code CLOCK_REALTIME}).
 * <p>
 * The window is set by commit time, so what was written during the warm-up is never recorded,
 * however late it arrives, and everything written during the measurement is, however late: the
 * measurement waits for every event before it reads the histogram.
 */
final class LatencyRecorder extends EventCounter {

	private final Histogram micros = new Histogram(3);

	private long from = Long.MAX_VALUE;

	private long until = Long.MAX_VALUE;

	private long negative;

	LatencyRecorder() {
		super(Long.MAX_VALUE);
	}

	@Override
	public boolean wantsCommitTimes() {
		return true;
	}

	@Override
	void record(int events, long commitMicros) {
		if (commitMicros < this.from || commitMicros >= this.until) {
			return;
		}
		long latency = Arrivals.epochMicros(Instant.now()) - commitMicros;
		if (latency < 0) {
			// only if the clock was stepped back between commit and arrival
			this.negative += events;
			latency = 0;
		}
		this.micros.recordValueWithCount(latency, events);
	}

	/**
	 * Record events of transactions committed from now on.
	 * @param epochMicros the start of the window (wall clock, microseconds)
	 */
	synchronized void measureFrom(long epochMicros) {
		this.from = epochMicros;
	}

	/**
	 * Record no events of transactions committed from now on.
	 * @param epochMicros the end of the window (wall clock, microseconds)
	 */
	synchronized void measureUntil(long epochMicros) {
		this.until = epochMicros;
	}

	/** @return a copy of the latencies recorded so far, in microseconds */
	synchronized Histogram histogram() {
		return this.micros.copy();
	}

	/** @return how many events arrived before their commit time (a clock step), recorded as 0 */
	synchronized long negative() {
		return this.negative;
	}

}
