package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.snapshot.ProgressStore.Progress;
import dev.pgcdc.stream.BatchHandler;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.CdcTableNotFoundException;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incremental snapshots (DBLog's watermark algorithm), as a {@link BatchHandler} between the
 * stream and the handlers.
 * <p>
 * Readers (one per connection, {@link SnapshotOptions#readers()}) read one table in primary-key
 * order, a chunk at a time each, on chunks claimed in key order: a reader commits a low
 * watermark, runs the chunk's keyset query, keeps the rows, and commits a high watermark (see
 * {@link Watermark}). The watermarks reach the stream in WAL order through the same batches as
 * the changes. Between a chunk's two watermarks, every key the stream changes is dropped from
 * the chunk: the stream's event is as new as the chunk's row or newer. At the high watermark the
 * remaining rows are handed to the handlers as {@code SNAPSHOT} events, in batches of at most
 * the stream's batch size, before anything that committed after it (a chunk whose high watermark
 * comes before an earlier chunk's keeps its window open and follows that one, so chunks arrive in
 * key order). So for every row the last
 * event delivered carries its latest committed state, and a replica built from the events
 * equals the source. One table runs at a time, the others wait in a queue; at most one chunk
 * per reader and {@value #MAX_PENDING_CHUNKS} more are held, so memory is bounded by the chunk size.
 * <p>
 * Watermark messages are never delivered. A chunk whose low watermark this process did not see
 * (a temporary slot created between the two) is read again. With a durable slot, the progress
 * is stored after each delivered chunk (see {@link ProgressStore}) and a restart resumes after
 * the last delivered chunk.
 * <p>
 * This class is the stream's and the application's entry: control, the slot's life cycle and
 * the batches in. The parts: {@link SnapshotQueue} (the tables queued and the one running, their
 * statuses and progress), {@link ChunkWorker} (reads chunks between watermarks on its threads),
 * {@link WatermarkDelivery} (the delivery thread's side), {@link SnapshotPreconditions} (what
 * the server must allow).
 */
public final class IncrementalSnapshots implements BatchHandler {

	private static final Logger logger = LoggerFactory.getLogger(IncrementalSnapshots.class);

	/** Chunks read but not yet delivered, at most: the next is read while one waits for its high watermark. */
	static final int MAX_PENDING_CHUNKS = 2;

	private final BatchHandler downstream;

	private final SnapshotOptions options;

	private final SnapshotQueue queue;

	private final ChunkWorker worker;

	private final WatermarkDelivery delivery;

	private final Object lock = new Object();

	private volatile @Nullable Environment environment;

	// guarded by lock
	private boolean resumed;

	// guarded by lock
	private boolean firstSlot = true;

	/**
	 * @param downstream the handlers
	 * @param options how to snapshot
	 * @param batchSize the largest number of snapshot rows in one batch
	 */
	public IncrementalSnapshots(BatchHandler downstream, SnapshotOptions options, int batchSize) {
		this.downstream = downstream;
		this.options = options;
		this.queue = new SnapshotQueue(options, () -> this.environment, this::read);
		this.worker = new ChunkWorker(this.queue, options.chunkSize(), options.readers(), () -> this.environment);
		this.delivery = new WatermarkDelivery(downstream, this.queue, batchSize);
	}

	/**
	 * What the stream gives its snapshots.
	 *
	 * @param connections plain connections for chunks and watermarks
	 * @param types the stream's type registry
	 * @param slot the slot name
	 * @param durable whether the slot is durable (progress is then stored)
	 * @param tables the subscribed tables
	 */
	public record Environment(ConnectionSource connections, TypeRegistry types, String slot, boolean durable,
			Supplier<Set<TableName>> tables) {
	}

	/**
	 * Called once by the stream that owns this, before it starts.
	 * @param environment what the stream gives
	 */
	public void attach(Environment environment) {
		this.environment = environment;
		this.queue.useStore(environment.durable()
				? new ProgressStore.Jdbc(environment.connections(), this.options.progressTable(), environment.slot())
				: ProgressStore.NONE);
	}

	/** @return the options */
	public SnapshotOptions options() {
		return this.options;
	}

	// ---------------------------------------------------------------- control

	/**
	 * Start an incremental snapshot of a subscribed table, or queue it behind the one running.
	 * @param table the table
	 * @return its status, {@code QUEUED} or {@code RUNNING}
	 * @throws CdcTableNotFoundException if it is not subscribed or does not exist
	 * @throws CdcConfigurationException if it has no primary key, or the server refuses the
	 * watermark or the progress table
	 * @throws SnapshotAlreadyRunningException if a snapshot of it is queued or running
	 * @throws IllegalStateException if the server cannot be reached
	 */
	public SnapshotStatus start(TableName table) {
		Environment env = requireAttached();
		Set<TableName> subscribed = env.tables().get();
		if (!subscribed.contains(table)) {
			throw new CdcTableNotFoundException(table,
					"Table " + table + " is not subscribed (subscribed: " + subscribed + "); add it first", null);
		}
		this.queue.requireIdle(table);
		try (Connection connection = env.connections().open()) {
			SnapshotPreconditions.check(connection, List.of(table), env.types());
			this.queue.store().prepare();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot start a snapshot of " + table + ": " + ex.getMessage(), ex);
		}
		this.queue.enqueue(table);
		logger.info("Snapshot of {} requested", table);
		this.queue.startNext();
		return this.queue.status(table).orElseThrow();
	}

	/**
	 * @param table a table
	 * @return its latest snapshot, empty when it never had one
	 */
	public Optional<SnapshotStatus> status(TableName table) {
		return this.queue.status(table);
	}

	/** @return the latest snapshot of every table that had one, by table */
	public List<SnapshotStatus> statuses() {
		return this.queue.statuses();
	}

	/**
	 * Cancel a table's snapshot, queued or running. The rows delivered so far stay delivered.
	 * @param table the table
	 * @return its latest snapshot ({@code CANCELLED} if it was queued or running), empty when it
	 * never had one
	 */
	public Optional<SnapshotStatus> cancel(TableName table) {
		this.queue.cancel(table);
		return this.queue.status(table);
	}

	/**
	 * @param table a table
	 * @return the rows read by every snapshot of it in this process (for the meter)
	 */
	public long rowsRead(TableName table) {
		return this.queue.rowsRead(table);
	}

	/** @return the tables whose snapshots read rows in this process */
	public Set<TableName> tablesRead() {
		return this.queue.tablesRead();
	}

	// ---------------------------------------------------------------- the stream's hooks

	/**
	 * The stream is about to create its durable slot, or has just created a temporary one: what
	 * was before is not in the stream. Starts the initial snapshot ({@code initial},
	 * {@code when-needed}); for a durable slot it is stored first, so a crash before it ends
	 * resumes it. A later temporary slot re-reads the chunks in flight ({@code initial}) or
	 * starts over ({@code when-needed}).
	 * @param durable whether the slot is durable
	 * @throws CdcConfigurationException if a table cannot be snapshotted (no primary key...)
	 */
	public void newSlot(boolean durable) {
		Environment env = this.environment;
		if (env == null || this.queue.closed()) {
			return;
		}
		boolean first;
		synchronized (this.lock) {
			first = this.firstSlot;
			this.firstSlot = false;
		}
		SnapshotMode mode = this.options.mode();
		if (!first && !durable) {
			if (mode == SnapshotMode.WHEN_NEEDED) {
				logger.info("New temporary slot {}: changes since the last one are lost, snapshotting again", env.slot());
				this.queue.cancelAll("a new slot was created");
				queueInitial(env);
			}
			else {
				SnapshotRun run = this.queue.active();
				if (run != null) {
					// watermarks written while no slot existed never arrive
					this.queue.rewind(run);
				}
			}
			return;
		}
		if (mode != SnapshotMode.NEVER) {
			queueInitial(env);
		}
	}

	/**
	 * The durable slot is about to be created anew because the server invalidated the old one:
	 * the changes in between are gone. With {@code when-needed} every table is read again (the
	 * lost changes come as {@code SNAPSHOT} rows); {@code initial} snapshots only the slot pgcdc
	 * created first.
	 */
	public void slotRecreated() {
		Environment env = this.environment;
		synchronized (this.lock) {
			this.firstSlot = false;
		}
		if (env == null || this.queue.closed() || this.options.mode() != SnapshotMode.WHEN_NEEDED) {
			return;
		}
		logger.info("Durable slot {} created anew: the changes since the old one are lost, snapshotting again",
				env.slot());
		this.queue.cancelAll("a new slot was created");
		queueInitial(env);
		synchronized (this.lock) {
			// as at start-up: the queued snapshot starts once the new slot streams
			this.resumed = false;
		}
	}

	private void queueInitial(Environment env) {
		List<TableName> tables = new ArrayList<>();
		for (TableName table : new TreeSet<>(env.tables().get())) {
			if (this.options.initialTables().test(table)) {
				tables.add(table);
			}
		}
		try (Connection connection = env.connections().open()) {
			SnapshotPreconditions.check(connection, tables, env.types());
			if (env.durable()) {
				this.queue.store().prepare();
				this.queue.store().clear();
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot prepare the initial snapshot: " + ex.getMessage(), ex);
		}
		this.queue.enqueueAll(tables);
		if (!tables.isEmpty()) {
			logger.info("Initial snapshot of {} queued", tables);
		}
		if (!env.durable()) {
			this.queue.startNext();
		}
	}

	/**
	 * @param streaming whether the stream is streaming (or paused) now
	 */
	public void streamStateChanged(boolean streaming) {
		this.queue.streaming(streaming);
		Environment env = this.environment;
		if (streaming && env != null && env.durable() && !this.queue.closed()) {
			boolean resume;
			synchronized (this.lock) {
				resume = !this.resumed;
				this.resumed = true;
			}
			if (resume) {
				this.worker.execute(this::resume);
			}
		}
	}

	/** The stream stopped: the worker ends; a durable slot's progress stays stored. */
	public void close() {
		this.queue.close();
		this.worker.close();
		this.queue.store().close();
	}

	// ---------------------------------------------------------------- delivery (the stream's thread)

	@Override
	public void handle(TransactionBatch batch) throws Exception {
		this.delivery.handle(batch);
	}

	@Override
	public @Nullable String inProgress() {
		return this.downstream.inProgress();
	}

	// ---------------------------------------------------------------- helpers

	/** On the worker thread, once a durable slot streams: resume what the progress table holds. */
	private void resume() {
		List<Progress> stored;
		try {
			stored = this.queue.store().load();
		}
		catch (SQLException ex) {
			logger.warn("Cannot read the snapshot progress table {}: {}", this.options.progressTable(), ex.getMessage());
			return;
		}
		this.queue.restore(stored);
	}

	private void read(SnapshotRun run) {
		this.worker.start(run);
	}

	private Environment requireAttached() {
		Environment env = this.environment;
		if (env == null) {
			throw new IllegalStateException("Snapshots are not attached to a stream");
		}
		return env;
	}

}
