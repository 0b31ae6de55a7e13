package dev.pgcdc.replication;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.TransactionBatch;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The counters and last values behind {@link ChangeStream#status()}, written by the reader
 * and dispatcher threads and read by anyone.
 */
final class StreamStatistics {

	private final AtomicLong transactions = new AtomicLong();

	private final AtomicLong events = new AtomicLong();

	private final AtomicLong reconnects = new AtomicLong();

	private volatile long received;

	private volatile long lastData;

	private volatile @Nullable Instant lastHandledCommit;

	private volatile @Nullable String lastError;

	private volatile @Nullable Instant lastErrorTime;

	private volatile @Nullable String serverVersion;

	/**
	 * A message of the stream's own database arrived (not a keepalive).
	 * @param lsn its position
	 */
	void data(long lsn) {
		this.lastData = lsn;
		received(lsn);
	}

	/** @return the position of the last message received, {@code 0} before any */
	long lastData() {
		return this.lastData;
	}

	void received(LogSequenceNumber lsn) {
		received(lsn.asLong());
	}

	void received(long lsn) {
		if (lsn > this.received) {
			this.received = lsn;
		}
	}

	void handled(TransactionBatch batch) {
		this.events.addAndGet(batch.events().size());
		if (batch.last()) {
			if (batch.xid() != 0) {
				this.transactions.incrementAndGet();
			}
			if (batch.commitTimestamp() != null) {
				this.lastHandledCommit = batch.commitTimestamp();
			}
		}
	}

	void reconnected() {
		this.reconnects.incrementAndGet();
	}

	void error(Throwable error) {
		error((error.getMessage() != null) ? error.getMessage() : error.getClass().getName());
	}

	void error(String message) {
		this.lastError = message;
		this.lastErrorTime = Instant.now();
	}

	void serverVersion(String version) {
		this.serverVersion = version;
	}

	StreamStatus snapshot(StreamState state, StreamSettings settings, LogSequenceNumber flushed) {
		return new StreamStatus(state, settings.slot(), settings.durable(), settings.publication(), this.serverVersion,
				lsn(this.received), lsn(flushed.asLong()), this.lastHandledCommit, this.lastError, this.lastErrorTime,
				this.transactions.get(), this.events.get(), this.reconnects.get());
	}

	private static @Nullable String lsn(long value) {
		return (value != 0) ? LogSequenceNumber.valueOf(value).asString() : null;
	}

}
