package dev.pgcdc.replication;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.postgresql.replication.LogSequenceNumber;

/**
 * Decides how far the server may consider the stream's changes handled (the flushed LSN).
 * <p>
 * The reader opens a unit for every transaction (at Begin) and every non-transactional
 * message; the dispatcher completes it after the unit's last batch returned, which moves the
 * flushed LSN to the unit's end. Units complete in WAL order because one dispatcher takes them
 * from one queue in order. When no unit is open the flushed LSN may follow the last LSN the
 * server reported, so an idle durable slot does not hold WAL back.
 */
final class AckTracker {

	private final Consumer<LogSequenceNumber> onAdvance;

	private long flushed;

	private int open;

	/**
	 * @param onAdvance told (under this tracker's lock, so keep it short) each time the flushed LSN moves
	 */
	AckTracker(Consumer<LogSequenceNumber> onAdvance) {
		this.onAdvance = onAdvance;
	}

	/** A transaction or non-transactional message started arriving (reader thread). */
	synchronized void opened() {
		this.open++;
	}

	/**
	 * Every batch of the oldest open unit was handled (dispatcher thread).
	 * @param end the position after the unit
	 */
	synchronized void completed(LogSequenceNumber end) {
		this.open = Math.max(0, this.open - 1);
		advance(end);
	}

	/**
	 * Follow the server's position while nothing is in flight.
	 * @param received the last position the server reported
	 */
	synchronized void advanceIfIdle(LogSequenceNumber received) {
		if (this.open == 0) {
			advance(received);
		}
	}

	/**
	 * Start from a position stored elsewhere (an offset store) that is ahead of this tracker's:
	 * everything before it was handled, so it is acknowledged too.
	 * @param stored the stored position
	 */
	synchronized void resumeFrom(LogSequenceNumber stored) {
		advance(stored);
	}

	/** Forget open units: their remaining batches died with the connection and will be sent again. */
	synchronized void reset() {
		this.open = 0;
	}

	/** @return the position up to which everything was handled ({@code 0/0} before anything was) */
	synchronized LogSequenceNumber flushed() {
		return LogSequenceNumber.valueOf(this.flushed);
	}

	/**
	 * Wait until the flushed LSN reaches a position.
	 * @param target the position
	 * @param nanos how long at most
	 * @return whether it did
	 * @throws InterruptedException if interrupted while waiting
	 */
	synchronized boolean awaitFlushed(long target, long nanos) throws InterruptedException {
		long deadline = System.nanoTime() + nanos;
		while (Long.compareUnsigned(this.flushed, target) < 0) {
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				return false;
			}
			TimeUnit.NANOSECONDS.timedWait(this, left);
		}
		return true;
	}

	/** @return whether a transaction or message is between the reader and the end of its handling */
	synchronized boolean inFlight() {
		return this.open > 0;
	}

	private void advance(LogSequenceNumber lsn) {
		// LSNs are unsigned, but no real WAL position reaches the sign bit
		if (lsn.asLong() > this.flushed) {
			this.flushed = lsn.asLong();
			this.onAdvance.accept(lsn);
			notifyAll();
		}
	}

}
