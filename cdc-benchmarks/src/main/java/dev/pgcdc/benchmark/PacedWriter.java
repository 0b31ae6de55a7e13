package dev.pgcdc.benchmark;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.pgcdc.test.TestDatabase;
import org.HdrHistogram.Histogram;

/**
 * Writes {@link Workload} rows on a fixed schedule from the calling thread: transaction {@code i}
 * of {@code rowsPerTransaction} rows is due at {@code start + i * period}, as one JDBC batch of
 * single-row inserts (the key bound, the other values computed by the server) on one connection
 * in autocommit mode: pgjdbc sends the batch with one Sync, so the server runs it as one implicit
 * transaction committed at the Sync, one round trip per transaction. The session commits with
 * {@code synchronous_commit=on}: the test servers default to {@code off}, where a commit can wait
 * up to {@code wal_writer_delay} (200 ms) before its WAL is flushed and a walsender may send it.
 * <p>
 * No coordinated omission: a transaction that is late is sent at once, never skipped, and the
 * schedule does not move; how late each was sent is recorded, so a writer that could not keep up
 * shows in the result instead of quietly lowering the rate.
 */
final class PacedWriter implements AutoCloseable {

	private final Connection connection;

	private final PreparedStatement insert;

	private final int rowsPerTransaction;

	private final long periodNanos;

	private volatile boolean stopped;

	/**
	 * @param database where to write
	 * @param rowsPerSecond the target rate
	 * @param rowsPerTransaction rows in each transaction
	 * @throws SQLException if the connection cannot be set up
	 */
	PacedWriter(TestDatabase database, int rowsPerSecond, int rowsPerTransaction) throws SQLException {
		this.rowsPerTransaction = rowsPerTransaction;
		this.periodNanos = TimeUnit.SECONDS.toNanos(rowsPerTransaction) / rowsPerSecond;
		this.connection = database.connect();
		try (Statement statement = this.connection.createStatement()) {
			statement.execute("SET synchronous_commit = on");
		}
		this.insert = this.connection.prepareStatement(Workload.insertByKeySql());
	}

	/**
	 * What one {@link #write} did.
	 *
	 * @param rows rows written in all, warm-up included
	 * @param measuredRows rows of the transactions due after the warm-up
	 * @param measuredSeconds from the first measured transaction's due time to the last commit
	 * @param lateMicros for each measured transaction, how late it was sent (microseconds)
	 */
	record Result(long rows, long measuredRows, double measuredSeconds, Histogram lateMicros) {

		/** @return the rate the writer reached while measured, rows per second */
		double measuredRate() {
			return this.measuredRows / this.measuredSeconds;
		}

	}

	/**
	 * Write on schedule for the warm-up and then the measurement, telling the recorder where the
	 * measured window starts and ends.
	 * @param firstKey the first row's key
	 * @param warmupNanos how long the warm-up lasts (not measured)
	 * @param measureNanos how long the measurement lasts
	 * @param recorder told the measured window in commit time
	 * @return what was written
	 * @throws SQLException if a write fails
	 */
	Result write(long firstKey, long warmupNanos, long measureNanos, LatencyRecorder recorder) throws SQLException {
		Histogram late = new Histogram(3);
		long key = firstKey;
		long measuredFrom = -1;
		long start = System.nanoTime();
		long measureAt = start + warmupNanos;
		long end = measureAt + measureNanos;
		for (long i = 0;; i++) {
			long due = start + i * this.periodNanos;
			if (due >= end || this.stopped) {
				break;
			}
			long wait;
			while ((wait = due - System.nanoTime()) > 0) {
				LockSupport.parkNanos(wait);
			}
			if (due >= measureAt && measuredFrom < 0) {
				// every transaction from here on commits after this wall-clock instant
				recorder.measureFrom(Arrivals.epochMicros(Instant.now()));
				measuredFrom = key;
			}
			if (measuredFrom >= 0) {
				late.recordValue(Math.max(0, -wait) / 1000);
			}
			for (int row = 0; row < this.rowsPerTransaction; row++) {
				this.insert.setLong(1, key++);
				this.insert.addBatch();
			}
			this.insert.executeBatch();
		}
		// every measured transaction committed before this instant, anything later is not measured
		recorder.measureUntil(Arrivals.epochMicros(Instant.now()));
		double seconds = (System.nanoTime() - measureAt) / 1e9;
		return new Result(key - firstKey, key - measuredFrom, seconds, late);
	}

	/** Make a {@link #write} running on another thread end after its current transaction. */
	void stop() {
		this.stopped = true;
	}

	@Override
	public void close() throws SQLException {
		this.connection.close();
	}

}
