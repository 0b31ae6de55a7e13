package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.pgcdc.snapshot.IncrementalSnapshots.Environment;
import dev.pgcdc.snapshot.SnapshotStatus.State;
import dev.pgcdc.stream.CdcConfigurationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshots' own threads: {@link SnapshotOptions#readers()} readers, each on its own
 * connection, read the active run's chunks, each between its low and high watermark (see
 * {@link Watermark}), at most {@link SnapshotQueue#maxInFlight()} ahead of the delivery, and try a
 * failed chunk again (from the last delivered one) a few times before the run fails. With more
 * than one reader, a reader that claims a chunk first finds where it ends ({@link KeysetReader#bound},
 * an index-only scan of chunk-size keys), so the next reader can claim the chunk after it at once
 * and the server reads both on two backends. When the next chunk may be read at once, a chunk's
 * high watermark and the next one's low watermark are written in one transaction: one round trip
 * per chunk instead of two, while the server waits. Also resumes stored progress, off the stream's
 * thread.
 */
final class ChunkWorker {

	// logged as the snapshots' own lines
	private static final Logger logger = LoggerFactory.getLogger(IncrementalSnapshots.class);

	private static final int MAX_ATTEMPTS = 5;

	private final SnapshotQueue queue;

	private final int chunkSize;

	private final int readers;

	private final Supplier<@Nullable Environment> environment;

	private @Nullable ExecutorService executor;

	ChunkWorker(SnapshotQueue queue, int chunkSize, int readers, Supplier<@Nullable Environment> environment) {
		this.queue = queue;
		this.chunkSize = chunkSize;
		this.readers = readers;
		this.environment = environment;
	}

	/**
	 * Read a run's chunks, on the readers' threads, until it ends, is cancelled or fails.
	 * @param run the run
	 */
	void start(SnapshotRun run) {
		for (int i = 0; i < this.readers; i++) {
			execute(() -> work(run));
		}
	}

	/**
	 * @param task something to run on a reader's thread, after what they run now
	 */
	synchronized void execute(Runnable task) {
		ExecutorService current = this.executor;
		if (current == null) {
			Environment env = this.environment.get();
			String name = "pgcdc-snapshot-" + ((env != null) ? env.slot() : "");
			AtomicInteger threads = new AtomicInteger();
			current = Executors.newFixedThreadPool(this.readers, (runnable) -> {
				int number = threads.incrementAndGet();
				Thread thread = new Thread(runnable, (number == 1) ? name : name + "-" + number);
				thread.setDaemon(true);
				return thread;
			});
			this.executor = current;
		}
		current.execute(task);
	}

	/** The stream stopped: the thread ends. */
	void close() {
		ExecutorService current;
		synchronized (this) {
			current = this.executor;
		}
		if (current != null) {
			current.shutdownNow();
		}
	}

	private void work(SnapshotRun run) {
		int failures = 0;
		while (this.queue.current(run)) {
			Environment env = this.environment.get();
			if (env == null) {
				return;
			}
			try (Connection connection = env.connections().open()) {
				SnapshotQueue.Claim claim;
				while ((claim = lowWatermark(connection, run)) != null) {
					do {
						claim = readChunk(connection, run, claim);
						failures = 0;
					}
					while (claim != null);
				}
				return;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (SQLException | RuntimeException ex) {
				if (!this.queue.current(run)) {
					return;
				}
				failures++;
				this.queue.rewind(run);
				if (failures >= MAX_ATTEMPTS || ex instanceof CdcConfigurationException) {
					this.queue.finish(run, State.FAILED, ex.getMessage());
					return;
				}
				logger.warn("Snapshot of {}: reading a chunk failed ({}); trying again", run.table, ex.getMessage());
				if (!this.queue.backOff(failures)) {
					return;
				}
			}
		}
	}

	/**
	 * Wait until the next chunk may be read, and write its low watermark.
	 * @return the chunk, {@code null} when the run is no longer current
	 */
	private SnapshotQueue.@Nullable Claim lowWatermark(Connection connection, SnapshotRun run)
			throws SQLException, InterruptedException {
		SnapshotQueue.Claim claim = this.queue.claim(run);
		if (claim != null) {
			claim = bound(connection, run, claim);
			new Watermark(run.id, claim.chunk(), true).emit(connection);
		}
		return claim;
	}

	/**
	 * With more than one reader, find where a claimed chunk ends, so the next may be claimed.
	 * @return the claim, with its upper bound unless it is the table's last chunk
	 */
	private SnapshotQueue.Claim bound(Connection connection, SnapshotRun run, SnapshotQueue.Claim claim)
			throws SQLException {
		if (this.readers == 1) {
			return claim;
		}
		String @Nullable [] upTo = run.reader.bound(connection, claim.after(), this.chunkSize);
		if (upTo == null) {
			// the last chunk: the next claim waits until it is read
			return claim;
		}
		SnapshotQueue.Claim bounded = claim.upTo(upTo);
		this.queue.bounded(run, bounded);
		return bounded;
	}

	/**
	 * Read a chunk whose low watermark was written, and write its high watermark, with the next
	 * chunk's low watermark when that one may be read at once.
	 * @return the next chunk, its low watermark written; {@code null} when it must be waited for
	 * (or the run was rewound meanwhile: it goes on from the new position)
	 */
	private SnapshotQueue.@Nullable Claim readChunk(Connection connection, SnapshotRun run, SnapshotQueue.Claim claim)
			throws SQLException {
		KeysetReader.Chunk rows = run.reader.read(connection, claim.after(), claim.upTo(), this.chunkSize);
		if (!this.queue.read(run, claim, rows)) {
			return null;
		}
		Watermark high = new Watermark(run.id, claim.chunk(), false);
		SnapshotQueue.Claim next = this.queue.tryClaim(run);
		if (next == null) {
			high.emit(connection);
			return null;
		}
		next = bound(connection, run, next);
		high.emitWith(new Watermark(run.id, next.chunk(), true), connection);
		return next;
	}

}
