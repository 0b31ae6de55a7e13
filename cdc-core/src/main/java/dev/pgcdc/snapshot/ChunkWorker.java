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
 * before the run fails. Also resumes stored progress, off the stream's thread.
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
				while (readNext(connection, run)) {
					failures = 0;
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

	private boolean readNext(Connection connection, SnapshotRun run) throws SQLException, InterruptedException {
		SnapshotQueue.Claim claim = this.queue.claim(run);
		if (claim == null) {
			return false;
		}
		new Watermark(run.id, claim.chunk(), true).emit(connection);
		KeysetReader.Chunk rows = run.reader.read(connection, claim.after(), this.chunkSize);
		if (!this.queue.read(run, claim, rows)) {
			// rewound meanwhile: read from the new position
			return this.queue.current(run);
		}
		new Watermark(run.id, claim.chunk(), false).emit(connection);
		return true;
	}

}
