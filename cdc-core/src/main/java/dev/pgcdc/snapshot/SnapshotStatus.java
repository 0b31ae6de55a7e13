package dev.pgcdc.snapshot;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * The latest snapshot of one table.
 *
 * @param table the table, {@code schema.name}
 * @param state where it is
 * @param rowsRead rows read so far (in delivered chunks)
 * @param rowsEstimated the planner's estimate of the table's rows when it started
 * ({@code pg_class.reltuples}, or the live-tuple count of a table never analysed)
 * @param startedAt when it was requested
 * @param finishedAt when it ended, {@code null} while queued or running
 * @param lastError why it failed, or {@code null}
 */
public record SnapshotStatus(String table, State state, long rowsRead, long rowsEstimated, Instant startedAt,
		@Nullable Instant finishedAt, @Nullable String lastError) {

	/** The states of a snapshot. */
	public enum State {

		/** Waiting for the snapshot before it: one table is read at a time. */
		QUEUED,

		/** Reading chunks. */
		RUNNING,

		/** Every row was delivered. */
		DONE,

		/** Cancelled before the end; the rows delivered so far stay delivered. */
		CANCELLED,

		/** Ended by an error ({@link SnapshotStatus#lastError()}). */
		FAILED

	}

	/** @return whether it is queued or running */
	public boolean isActive() {
		return this.state == State.QUEUED || this.state == State.RUNNING;
	}

	/**
	 * @param now the current time
	 * @return rows read per second since it started, {@code 0} before any
	 */
	public double rate(Instant now) {
		Instant end = (this.finishedAt != null) ? this.finishedAt : now;
		long millis = Duration.between(this.startedAt, end).toMillis();
		return (millis <= 0) ? 0 : this.rowsRead * 1000.0 / millis;
	}

	/**
	 * @param now the current time
	 * @return the estimated time left at the current rate, {@code null} when not running or
	 * unknown
	 */
	public @Nullable Duration eta(Instant now) {
		double rate = rate(now);
		if (this.state != State.RUNNING || rate <= 0) {
			return null;
		}
		long left = Math.max(0, this.rowsEstimated - this.rowsRead);
		return Duration.ofMillis((long) (left * 1000.0 / rate));
	}

}
