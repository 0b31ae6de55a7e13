package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import dev.pgcdc.snapshot.IncrementalSnapshots.Environment;
import dev.pgcdc.snapshot.SnapshotStatus.State;
import dev.pgcdc.stream.CdcConfigurationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshots' own thread: reads the active run's chunks, each between its low and high
 * watermark (see {@link Watermark}), at most {@value IncrementalSnapshots#MAX_PENDING_CHUNKS}
 * ahead of the delivery, and tries a failed chunk again (from the last delivered one) a few times
 * before the run fails. When the next chunk may be read at once, a chunk's high watermark and
 * the next one's low watermark are written in one transaction: one round trip per chunk instead
 * of two, while the server waits. Also resumes stored progress, off the stream's thread.
 */
final class ChunkWorker {

	// logged as the snapshots' own lines
	private static final Logger logger = LoggerFactory.getLogger(IncrementalSnapshots.class);

	private static final int MAX_ATTEMPTS = 5;

	private final SnapshotQueue queue;

	private final int chunkSize;

	private final Supplier<@Nullable Environment> environment;

	private @Nullable ExecutorService executor;

	ChunkWorker(SnapshotQueue queue, int chunkSize, Supplier<@Nullable Environment> environment) {
		this.queue = queue;
		this.chunkSize = chunkSize;
		this.environment = environment;
	}

	/**
	 * Read a run's chunks, on the worker thread, until it ends, is cancelled or fails.
	 * @param run the run
	 */
	void start(SnapshotRun run) {
		execute(() -> work(run));
	}

	/**
	 * @param task something to run on the worker thread, after what it runs now
	 */
	synchronized void execute(Runnable task) {
		ExecutorService current = this.executor;
		if (current == null) {
			Environment env = this.environment.get();
			String name = "pgcdc-snapshot-" + ((env != null) ? env.slot() : "");
			current = Executors.newSingleThreadExecutor((runnable) -> {
				Thread thread = new Thread(runnable, name);
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
			new Watermark(run.id, claim.chunk(), true).emit(connection);
		}
		return claim;
	}

	/**
	 * Read a chunk whose low watermark was written, and write its high watermark, with the next
	 * chunk's low watermark when that one may be read at once.
	 * @return the next chunk, its low watermark written; {@code null} when it must be waited for
	 * (or the run was rewound meanwhile: it goes on from the new position)
	 */
	private SnapshotQueue.@Nullable Claim readChunk(Connection connection, SnapshotRun run, SnapshotQueue.Claim claim)
			throws SQLException {
		KeysetReader.Chunk rows = run.reader.read(connection, claim.after(), this.chunkSize);
		if (!this.queue.read(run, claim, rows)) {
			return null;
		}
		Watermark high = new Watermark(run.id, claim.chunk(), false);
		SnapshotQueue.Claim next = this.queue.tryClaim(run);
		if (next == null) {
			high.emit(connection);
			return null;
		}
		high.emitWith(new Watermark(run.id, next.chunk(), true), connection);
		return next;
	}

}
