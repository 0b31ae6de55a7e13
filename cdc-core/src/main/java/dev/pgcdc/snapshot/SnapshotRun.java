package dev.pgcdc.snapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import dev.pgcdc.event.TableName;
import dev.pgcdc.snapshot.SnapshotStatus.State;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One table's snapshot in this process, run by {@link IncrementalSnapshots}. Fields guarded by the
 * lock unless final.
 */
final class SnapshotRun {

	// logged as the snapshots' own lines
	private static final Logger logger = LoggerFactory.getLogger(IncrementalSnapshots.class);

	final String id;

	final TableName table;

	final KeysetReader reader;

	final Instant startedAt;

	final long estimate;

	final Map<Long, Pending> pending = new HashMap<>();

	String @Nullable [] nextAfter;

	String @Nullable [] deliveredAfter;

	long rowsRead;

	long nextChunk = 1;

	// the chunk delivered next: chunks are delivered in key order even when read at once
	long nextDelivery = 1;

	// chunks claimed and neither delivered nor given up
	int inFlight;

	// the last chunk claimed does not know its upper bound yet: the next waits for it
	boolean bounding;

	long generation;

	boolean readAll;

	volatile boolean cancelled;

	int decile;

	SnapshotRun(String id, TableName table, KeysetReader reader, Instant startedAt, long estimate) {
		this.id = id;
		this.table = table;
		this.reader = reader;
		this.startedAt = startedAt;
		this.estimate = estimate;
	}

	SnapshotStatus status(State state, @Nullable Instant finishedAt, @Nullable String error) {
		return new SnapshotStatus(this.table.toString(), state, this.rowsRead, this.estimate, this.startedAt,
				finishedAt, error);
	}

	void logProgress() {
		if (this.estimate <= 0) {
			return;
		}
		int decile = (int) Math.min(9, this.rowsRead * 10 / this.estimate);
		if (decile > this.decile) {
			this.decile = decile;
			SnapshotStatus status = status(State.RUNNING, null, null);
			Duration eta = status.eta(Instant.now());
			logger.info("Snapshot of {}: {} % ({} of about {} rows, {} rows/s, about {} s left)", this.table,
					decile * 10, this.rowsRead, this.estimate, Math.round(status.rate(Instant.now())),
					(eta != null) ? eta.toSeconds() : "?");
		}
	}

	/** A chunk read and waiting for its high watermark, and then for the chunks before it. */
	static final class Pending {

		final long number;

		final long generation;

		final KeysetReader.Chunk chunk;

		// guarded by the queue's lock
		boolean highWatermarkSeen;

		Pending(long number, long generation, KeysetReader.Chunk chunk) {
			this.number = number;
			this.generation = generation;
			this.chunk = chunk;
		}

	}

}
