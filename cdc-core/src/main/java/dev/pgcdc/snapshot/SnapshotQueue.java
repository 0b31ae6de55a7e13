package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.pgcdc.event.TableName;
import dev.pgcdc.snapshot.IncrementalSnapshots.Environment;
import dev.pgcdc.snapshot.ProgressStore.Progress;
import dev.pgcdc.snapshot.SnapshotStatus.State;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tables waiting for a snapshot and the one running (one at a time), their statuses and
 * stored progress, and the active run's chunk bookkeeping: which chunk a reader claims next and
 * where it starts (chunks are claimed in key order; the next claim waits until the previous one
 * knows where it ends), which read chunks wait for their high watermark or for an earlier chunk
 * (they are delivered in key order), and how many are claimed and not delivered (at most
 * {@link #maxInFlight()}). Its lock guards all of that and the
 * {@link SnapshotRun} fields; the worker ({@link ChunkWorker}) and the delivery
 * ({@link WatermarkDelivery}) change them only through it.
 */
final class SnapshotQueue {

	// logged as the snapshots' own lines
	private static final Logger logger = LoggerFactory.getLogger(IncrementalSnapshots.class);

	private final Object lock = new Object();

	private final ArrayDeque<TableName> queue = new ArrayDeque<>();

	private final Map<TableName, SnapshotStatus> statuses = new TreeMap<>();

	private final Map<TableName, AtomicLong> totals = new ConcurrentHashMap<>();

	private final String instance = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);

	private final SnapshotOptions options;

	private final Supplier<@Nullable Environment> environment;

	private final Consumer<SnapshotRun> starter;

	private long runs;

	private volatile @Nullable SnapshotRun active;

	private volatile ProgressStore store = ProgressStore.NONE;

	private volatile boolean streaming;

	private volatile boolean closed;

	/**
	 * @param options how to snapshot
	 * @param environment what the stream gives, {@code null} until attached
	 * @param starter starts reading a run's chunks (on the worker thread)
	 */
	SnapshotQueue(SnapshotOptions options, Supplier<@Nullable Environment> environment, Consumer<SnapshotRun> starter) {
		this.options = options;
		this.environment = environment;
		this.starter = starter;
	}

	void useStore(ProgressStore store) {
		this.store = store;
	}

	ProgressStore store() {
		return this.store;
	}

	@Nullable SnapshotRun active() {
		return this.active;
	}

	boolean closed() {
		return this.closed;
	}

	// ---------------------------------------------------------------- tables and statuses

	/**
	 * Queue a table behind the one running.
	 * @param table the table
	 * @throws SnapshotAlreadyRunningException if a snapshot of it is queued or running
	 */
	void enqueue(TableName table) {
		SnapshotStatus status;
		synchronized (this.lock) {
			requireIdle(table);
			status = new SnapshotStatus(table.toString(), State.QUEUED, 0, 0, Instant.now(), null, null);
			this.queue.add(table);
			this.statuses.put(table, status);
		}
		save(table, status, null);
	}

	/**
	 * Queue tables for the initial snapshot, each once.
	 * @param tables the tables
	 */
	void enqueueAll(List<TableName> tables) {
		Instant now = Instant.now();
		for (TableName table : tables) {
			SnapshotStatus status = new SnapshotStatus(table.toString(), State.QUEUED, 0, 0, now, null, null);
			synchronized (this.lock) {
				if (!this.queue.contains(table)) {
					this.queue.add(table);
				}
				this.statuses.put(table, status);
			}
			save(table, status, null);
		}
	}

	/**
	 * @param table a table
	 * @throws SnapshotAlreadyRunningException if a snapshot of it is queued or running
	 */
	void requireIdle(TableName table) {
		synchronized (this.lock) {
			SnapshotRun run = this.active;
			if ((run != null && run.table.equals(table)) || this.queue.contains(table)) {
				throw new SnapshotAlreadyRunningException("A snapshot of " + table + " is already "
						+ ((run != null && run.table.equals(table)) ? "running" : "queued") + "; cancel it first");
			}
		}
	}

	Optional<SnapshotStatus> status(TableName table) {
		synchronized (this.lock) {
			SnapshotRun run = this.active;
			if (run != null && run.table.equals(table)) {
				return Optional.of(run.status(State.RUNNING, null, null));
			}
			return Optional.ofNullable(this.statuses.get(table));
		}
	}

	List<SnapshotStatus> statuses() {
		synchronized (this.lock) {
			List<SnapshotStatus> all = new ArrayList<>();
			for (TableName table : this.statuses.keySet()) {
				status(table).ifPresent(all::add);
			}
			return all;
		}
	}

	/**
	 * Cancel a table's snapshot, queued or running.
	 * @param table the table
	 */
	void cancel(TableName table) {
		SnapshotRun run = this.active;
		if (run != null && run.table.equals(table)) {
			finish(run, State.CANCELLED, null);
			return;
		}
		SnapshotStatus cancelled = null;
		synchronized (this.lock) {
			SnapshotStatus queued = this.statuses.get(table);
			if (this.queue.remove(table) && queued != null) {
				cancelled = new SnapshotStatus(queued.table(), State.CANCELLED, 0, 0, queued.startedAt(), Instant.now(),
						null);
				this.statuses.put(table, cancelled);
			}
		}
		if (cancelled != null) {
			save(table, cancelled, null);
			logger.info("Snapshot of {} cancelled before it started", table);
		}
	}

	/**
	 * Cancel the queued snapshots and the running one.
	 * @param reason why, for the running one's status
	 */
	void cancelAll(String reason) {
		synchronized (this.lock) {
			this.queue.clear();
		}
		SnapshotRun run = this.active;
		if (run != null) {
			finish(run, State.CANCELLED, reason);
		}
	}

	long rowsRead(TableName table) {
		AtomicLong total = this.totals.get(table);
		return (total != null) ? total.get() : 0;
	}

	Set<TableName> tablesRead() {
		return Set.copyOf(this.totals.keySet());
	}

	/**
	 * What the progress table holds, once a durable slot streams: the running snapshot resumes,
	 * the queued ones are queued again, the ended ones are remembered.
	 * @param stored the stored progress
	 */
	void restore(List<Progress> stored) {
		Progress running = null;
		synchronized (this.lock) {
			for (Progress progress : stored) {
				if (progress.state() == State.RUNNING && running == null) {
					running = progress;
				}
				else if (progress.state().equals(State.QUEUED) || progress.state() == State.RUNNING) {
					if (!this.queue.contains(progress.table())) {
						this.queue.add(progress.table());
					}
					this.statuses.put(progress.table(), new SnapshotStatus(progress.table().toString(), State.QUEUED, 0,
							0, progress.startedAt(), null, null));
				}
				else {
					this.statuses.putIfAbsent(progress.table(),
							new SnapshotStatus(progress.table().toString(), progress.state(), progress.rowsRead(),
									progress.rowsEstimated(), progress.startedAt(), progress.finishedAt(),
									progress.lastError()));
				}
			}
		}
		if (running != null && this.active == null) {
			begin(running.table(), running);
		}
		else if (running != null) {
			synchronized (this.lock) {
				this.queue.addFirst(running.table());
			}
		}
		startNext();
	}

	// ---------------------------------------------------------------- running one table

	/** Start the next queued table, unless one is running. */
	void startNext() {
		TableName next;
		synchronized (this.lock) {
			if (this.active != null || this.closed || this.environment.get() == null) {
				return;
			}
			next = this.queue.poll();
		}
		if (next != null) {
			begin(next, null);
		}
	}

	private void begin(TableName table, @Nullable Progress resume) {
		Environment env = this.environment.get();
		if (env == null) {
			throw new IllegalStateException("Snapshots are not attached to a stream");
		}
		KeysetReader reader;
		long estimate;
		try (Connection connection = env.connections().open()) {
			reader = KeysetReader.plan(connection, table, env.types());
			estimate = (resume != null && resume.rowsEstimated() > 0) ? resume.rowsEstimated() : reader.estimate(connection);
		}
		catch (SQLException | RuntimeException ex) {
			Instant now = Instant.now();
			SnapshotStatus failed = new SnapshotStatus(table.toString(), State.FAILED, 0, 0, now, now, ex.getMessage());
			synchronized (this.lock) {
				this.statuses.put(table, failed);
			}
			save(table, failed, null);
			logger.warn("Snapshot of {} failed to start: {}", table, ex.getMessage());
			startNext();
			return;
		}
		SnapshotRun run;
		synchronized (this.lock) {
			if (this.active != null || this.closed) {
				this.queue.addFirst(table);
				return;
			}
			SnapshotStatus requested = this.statuses.get(table);
			Instant startedAt = (resume != null) ? resume.startedAt()
					: (requested != null) ? requested.startedAt() : Instant.now();
			run = new SnapshotRun(this.instance + "." + (++this.runs), table, reader, startedAt, estimate);
			if (resume != null) {
				run.nextAfter = resume.lastKey();
				run.deliveredAfter = resume.lastKey();
				run.rowsRead = resume.rowsRead();
			}
			this.active = run;
			this.statuses.put(table, run.status(State.RUNNING, null, null));
		}
		save(table, run.status(State.RUNNING, null, null), run.deliveredAfter);
		if (resume != null) {
			logger.info("Snapshot of {} resumed after {} rows: about {} rows, chunks of {}", table, run.rowsRead, estimate,
					this.options.chunkSize());
		}
		else {
			logger.info("Snapshot of {} started: about {} rows, chunks of {}", table, estimate, this.options.chunkSize());
		}
		this.starter.accept(run);
	}

	/**
	 * End the active run and start the next queued table.
	 * @param run the run (nothing happens if it is no longer the active one)
	 * @param state how it ended
	 * @param error why it failed, if it did
	 */
	void finish(SnapshotRun run, State state, @Nullable String error) {
		SnapshotStatus status;
		synchronized (this.lock) {
			if (this.active != run) {
				return;
			}
			run.cancelled = true;
			run.pending.clear();
			this.active = null;
			status = run.status(state, Instant.now(), error);
			this.statuses.put(run.table, status);
			this.lock.notifyAll();
		}
		save(run.table, status, run.deliveredAfter);
		Duration took = Duration.between(run.startedAt, (status.finishedAt() != null) ? status.finishedAt() : Instant.now());
		if (state == State.FAILED) {
			logger.warn("Snapshot of {} failed after {} rows: {}", run.table, status.rowsRead(), error);
		}
		else {
			logger.info("Snapshot of {} {}: {} rows in {} s ({} rows/s)", run.table,
					(state == State.DONE) ? "done" : "cancelled", status.rowsRead(), took.toMillis() / 1000.0,
					Math.round(status.rate(Instant.now())));
		}
		startNext();
	}

	/**
	 * Forget the chunks read but not delivered: the worker reads again after the last delivered.
	 * @param run the run
	 */
	void rewind(SnapshotRun run) {
		synchronized (this.lock) {
			run.pending.clear();
			run.nextAfter = run.deliveredAfter;
			run.readAll = false;
			run.generation++;
			run.inFlight = 0;
			run.bounding = false;
			run.nextDelivery = run.nextChunk;
			this.lock.notifyAll();
		}
	}

	/**
	 * @param run a run
	 * @return whether it is still the active one, neither cancelled nor closed
	 */
	boolean current(SnapshotRun run) {
		return this.active == run && !run.cancelled && !this.closed;
	}

	// ---------------------------------------------------------------- the worker's side

	/**
	 * Wait until the next chunk may be claimed: the stream streams, the previous claim knows
	 * where it ends, fewer than {@link #maxInFlight} chunks are claimed and not delivered, the
	 * table is not read to its end.
	 * @param run the run
	 * @return the chunk to read, {@code null} if the run is no longer current
	 * @throws InterruptedException if the worker is stopped
	 */
	@Nullable Claim claim(SnapshotRun run) throws InterruptedException {
		synchronized (this.lock) {
			while (current(run) && mustWait(run)) {
				this.lock.wait(1000);
			}
			return current(run) ? next(run) : null;
		}
	}

	/**
	 * {@link #claim} without waiting.
	 * @param run the run
	 * @return the chunk to read, {@code null} if it would have to wait or the run is no longer current
	 */
	@Nullable Claim tryClaim(SnapshotRun run) {
		synchronized (this.lock) {
			return (current(run) && !mustWait(run)) ? next(run) : null;
		}
	}

	private Claim next(SnapshotRun run) {
		run.inFlight++;
		run.bounding = true;
		return new Claim(run.nextChunk++, run.generation, run.nextAfter, null);
	}

	private boolean mustWait(SnapshotRun run) {
		return !this.streaming || run.readAll || run.bounding || run.inFlight >= maxInFlight();
	}

	/**
	 * @return how many chunks may be claimed and not delivered: one being read per reader and
	 * {@value IncrementalSnapshots#MAX_PENDING_CHUNKS} read and waiting for their watermarks
	 */
	int maxInFlight() {
		return this.options.readers() + IncrementalSnapshots.MAX_PENDING_CHUNKS;
	}

	/**
	 * A claimed chunk's upper bound was found before reading it: the next chunk may be claimed.
	 * @param run the run
	 * @param claim the claim, with {@link Claim#upTo()}
	 */
	void bounded(SnapshotRun run, Claim claim) {
		synchronized (this.lock) {
			if (current(run) && claim.generation() == run.generation) {
				run.nextAfter = claim.upTo();
				run.bounding = false;
				this.lock.notifyAll();
			}
		}
	}

	/**
	 * A chunk was read: it waits for its high watermark.
	 * @param run the run
	 * @param claim what was claimed
	 * @param rows what was read
	 * @return whether it was kept: {@code false} if the run was rewound or ended meanwhile
	 */
	boolean read(SnapshotRun run, Claim claim, KeysetReader.Chunk rows) {
		synchronized (this.lock) {
			if (!current(run) || claim.generation() != run.generation) {
				return false;
			}
			run.pending.put(claim.chunk(), new SnapshotRun.Pending(claim.chunk(), claim.generation(), rows));
			if (claim.upTo() == null) {
				// read up to a row count: where it ended is known now
				run.nextAfter = rows.lastKey();
				run.readAll = rows.last();
				run.bounding = false;
				this.lock.notifyAll();
			}
			return true;
		}
	}

	/**
	 * Wait after a failure; a back-off, not a synchronisation: cancel and close wake it.
	 * @param failures the failures in a row
	 * @return whether to try again (not closed nor interrupted)
	 */
	boolean backOff(int failures) {
		synchronized (this.lock) {
			try {
				this.lock.wait(Math.min(30_000, 1000L << failures));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}
		return !this.closed;
	}

	// ---------------------------------------------------------------- the delivery's side

	/**
	 * @param run the run
	 * @param chunk a chunk
	 * @return whether it was read in the run's current generation and is not delivered yet
	 */
	boolean waiting(SnapshotRun run, long chunk) {
		synchronized (this.lock) {
			SnapshotRun.Pending pending = run.pending.get(chunk);
			return pending != null && pending.generation == run.generation;
		}
	}

	/**
	 * A chunk's high watermark arrived: it and the chunks after it whose high watermark arrived
	 * before are delivered now, in key order, unless an earlier chunk still waits for its own.
	 * @param run the run
	 * @param chunk the chunk
	 * @return the chunks to deliver now, in order (none while an earlier one waits), {@code null}
	 * if the chunk was delivered before, or rewound
	 */
	@Nullable List<SnapshotRun.Pending> highWatermark(SnapshotRun run, long chunk) {
		synchronized (this.lock) {
			SnapshotRun.Pending pending = run.pending.get(chunk);
			if (pending == null || pending.generation != run.generation) {
				return null;
			}
			pending.highWatermarkSeen = true;
			List<SnapshotRun.Pending> ready = new ArrayList<>(1);
			SnapshotRun.Pending next;
			while ((next = run.pending.get(run.nextDelivery)) != null && next.highWatermarkSeen) {
				run.pending.remove(run.nextDelivery);
				run.nextDelivery++;
				ready.add(next);
			}
			return ready;
		}
	}

	/**
	 * A chunk's rows were delivered: the run advances, its progress is stored, and it ends after
	 * the last chunk.
	 * @param run the run
	 * @param pending the chunk
	 */
	void delivered(SnapshotRun run, SnapshotRun.Pending pending) {
		int rows = pending.chunk.rows().size();
		synchronized (this.lock) {
			if (this.active != run || run.cancelled) {
				return;
			}
			if (pending.generation == run.generation) {
				run.inFlight--;
			}
			run.deliveredAfter = pending.chunk.lastKey();
			run.rowsRead += rows;
			this.lock.notifyAll();
		}
		this.totals.computeIfAbsent(run.table, (table) -> new AtomicLong()).addAndGet(rows);
		if (pending.chunk.last()) {
			finish(run, State.DONE, null);
			return;
		}
		save(run.table, run.status(State.RUNNING, null, null), run.deliveredAfter);
		run.logProgress();
	}

	// ---------------------------------------------------------------- the stream's state

	/**
	 * @param streaming whether the stream is streaming (or paused) now
	 */
	void streaming(boolean streaming) {
		this.streaming = streaming;
		synchronized (this.lock) {
			this.lock.notifyAll();
		}
	}

	/** The stream stopped: waiting workers wake and end. */
	void close() {
		synchronized (this.lock) {
			this.closed = true;
			this.lock.notifyAll();
		}
	}

	private void save(TableName table, SnapshotStatus status, String @Nullable [] lastKey) {
		try {
			this.store.save(new Progress(table, status.state(), lastKey, status.rowsRead(), status.rowsEstimated(),
					status.startedAt(), status.finishedAt(), status.lastError()));
		}
		catch (SQLException ex) {
			logger.warn("Cannot store the progress of the snapshot of {}: {}", table, ex.getMessage());
		}
	}

	/**
	 * The chunk a reader reads next.
	 * @param chunk its number in the run
	 * @param generation the run's generation when claimed (a rewind starts the next)
	 * @param after the key text of the last row before it, {@code null} for the first chunk
	 * @param upTo the key text of its last row when found before reading it, else {@code null}:
	 * the chunk is the next chunk-size rows
	 */
	record Claim(long chunk, long generation, String @Nullable [] after, String @Nullable [] upTo) {

		Claim upTo(String[] upTo) {
			return new Claim(this.chunk, this.generation, this.after, upTo);
		}

	}

}
