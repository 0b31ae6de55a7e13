package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.snapshot.ProgressStore.Progress;
import dev.pgcdc.snapshot.SnapshotStatus.State;
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
 * A worker thread reads one table in primary-key order, a chunk at a time: it commits a low
 * watermark, runs the chunk's keyset query, keeps the rows, and commits a high watermark (see
 * {@link Watermark}). The watermarks reach the stream in WAL order through the same batches as
 * the changes. Between a chunk's two watermarks, every key the stream changes is dropped from
 * the chunk: the stream's event is as new as the chunk's row or newer. At the high watermark the
 * remaining rows are handed to the handlers as {@code SNAPSHOT} events, in batches of at most
 * the stream's batch size, before anything that committed after it. So for every row the last
 * event delivered carries its latest committed state, and a replica built from the events
 * equals the source. One table runs at a time, the others wait in a queue; at most
 * {@value #MAX_PENDING_CHUNKS} chunks are held, so memory is bounded by the chunk size.
 * <p>
 * Watermark messages are never delivered. A chunk whose low watermark this process did not see
 * (a temporary slot created between the two) is read again. With a durable slot, the progress
 * is stored after each delivered chunk (see {@link ProgressStore}) and a restart resumes after
 * the last delivered chunk.
 */
public final class IncrementalSnapshots implements BatchHandler {

	private static final Logger logger = LoggerFactory.getLogger(IncrementalSnapshots.class);

	/** Chunks read but not yet delivered, at most: the next is read while one waits for its high watermark. */
	static final int MAX_PENDING_CHUNKS = 2;

	private static final int MAX_ATTEMPTS = 5;

	private final BatchHandler downstream;

	private final SnapshotOptions options;

	private final int batchSize;

	private final Object lock = new Object();

	private final ArrayDeque<TableName> queue = new ArrayDeque<>();

	private final Map<TableName, SnapshotStatus> statuses = new TreeMap<>();

	private final Map<TableName, AtomicLong> totals = new ConcurrentHashMap<>();

	private final String instance = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);

	private long runs;

	private volatile @Nullable SnapshotRun active;

	private volatile @Nullable Environment environment;

	private ProgressStore store = ProgressStore.NONE;

	private volatile boolean streaming;

	private boolean resumed;

	private boolean firstSlot = true;

	private volatile boolean closed;

	private @Nullable ExecutorService worker;

	// delivery thread only: the open windows (low watermark seen) of the active run
	private final ChunkWindows windows = new ChunkWindows();

	/**
	 * @param downstream the handlers
	 * @param options how to snapshot
	 * @param batchSize the largest number of snapshot rows in one batch
	 */
	public IncrementalSnapshots(BatchHandler downstream, SnapshotOptions options, int batchSize) {
		this.downstream = downstream;
		this.options = options;
		this.batchSize = batchSize;
	}

	/**
	 * What the stream gives its snapshots.
	 *
	 * @param connections plain connections with text results
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
		this.store = environment.durable()
				? new ProgressStore.Jdbc(environment.connections(), this.options.progressTable(), environment.slot())
				: ProgressStore.NONE;
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
		requireIdle(table);
		try (Connection connection = env.connections().open()) {
			check(connection, List.of(table), env);
			this.store.prepare();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot start a snapshot of " + table + ": " + ex.getMessage(), ex);
		}
		SnapshotStatus status;
		synchronized (this.lock) {
			requireIdle(table);
			status = new SnapshotStatus(table.toString(), State.QUEUED, 0, 0, Instant.now(), null, null);
			this.queue.add(table);
			this.statuses.put(table, status);
		}
		save(table, status, null);
		logger.info("Snapshot of {} requested", table);
		startNext();
		return status(table).orElse(status);
	}

	/**
	 * @param table a table
	 * @return its latest snapshot, empty when it never had one
	 */
	public Optional<SnapshotStatus> status(TableName table) {
		synchronized (this.lock) {
			SnapshotRun run = this.active;
			if (run != null && run.table.equals(table)) {
				return Optional.of(run.status(State.RUNNING, null, null));
			}
			return Optional.ofNullable(this.statuses.get(table));
		}
	}

	/** @return the latest snapshot of every table that had one, by table */
	public List<SnapshotStatus> statuses() {
		synchronized (this.lock) {
			List<SnapshotStatus> all = new ArrayList<>();
			for (TableName table : this.statuses.keySet()) {
				status(table).ifPresent(all::add);
			}
			return all;
		}
	}

	/**
	 * Cancel a table's snapshot, queued or running. The rows delivered so far stay delivered.
	 * @param table the table
	 * @return its latest snapshot ({@code CANCELLED} if it was queued or running), empty when it
	 * never had one
	 */
	public Optional<SnapshotStatus> cancel(TableName table) {
		SnapshotRun run = this.active;
		if (run != null && run.table.equals(table)) {
			finish(run, State.CANCELLED, null);
		}
		else {
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
		return status(table);
	}

	/**
	 * @param table a table
	 * @return the rows read by every snapshot of it in this process (for the meter)
	 */
	public long rowsRead(TableName table) {
		AtomicLong total = this.totals.get(table);
		return (total != null) ? total.get() : 0;
	}

	/** @return the tables whose snapshots read rows in this process */
	public Set<TableName> tablesRead() {
		return Set.copyOf(this.totals.keySet());
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
		if (env == null || this.closed) {
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
				cancelAll();
				queueInitial(env);
			}
			else {
				SnapshotRun run = this.active;
				if (run != null) {
					// watermarks written while no slot existed never arrive
					rewind(run);
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
		if (env == null || this.closed || this.options.mode() != SnapshotMode.WHEN_NEEDED) {
			return;
		}
		logger.info("Durable slot {} created anew: the changes since the old one are lost, snapshotting again",
				env.slot());
		cancelAll();
		queueInitial(env);
		synchronized (this.lock) {
			// as at start-up: the queued snapshot starts once the new slot streams
			this.resumed = false;
		}
	}

	private void queueInitial(Environment env) {
		List<TableName> tables = new ArrayList<>();
		for (TableName table : new java.util.TreeSet<>(env.tables().get())) {
			if (this.options.initialTables().test(table)) {
				tables.add(table);
			}
		}
		try (Connection connection = env.connections().open()) {
			check(connection, tables, env);
			if (env.durable()) {
				this.store.prepare();
				this.store.clear();
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot prepare the initial snapshot: " + ex.getMessage(), ex);
		}
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
		if (!tables.isEmpty()) {
			logger.info("Initial snapshot of {} queued", tables);
		}
		if (!env.durable()) {
			startNext();
		}
	}

	/**
	 * @param streaming whether the stream is streaming (or paused) now
	 */
	public void streamStateChanged(boolean streaming) {
		this.streaming = streaming;
		synchronized (this.lock) {
			this.lock.notifyAll();
		}
		Environment env = this.environment;
		if (streaming && env != null && env.durable() && !this.closed) {
			boolean resume;
			synchronized (this.lock) {
				resume = !this.resumed;
				this.resumed = true;
			}
			if (resume) {
				worker().execute(this::resume);
			}
		}
	}

	/** The stream stopped: the worker ends; a durable slot's progress stays stored. */
	public void close() {
		ExecutorService current;
		synchronized (this.lock) {
			this.closed = true;
			this.lock.notifyAll();
			current = this.worker;
		}
		if (current != null) {
			current.shutdownNow();
		}
		this.store.close();
	}

	// ---------------------------------------------------------------- delivery (the stream's thread)

	@Override
	public void handle(TransactionBatch batch) throws Exception {
		List<CdcEvent> events = batch.events();
		SnapshotRun run = this.active;
		boolean tracking = this.windows.tracking(run);
		List<LogicalMessage> watermarks = null;
		for (CdcEvent event : events) {
			if (event instanceof LogicalMessage message) {
				if (Watermark.PREFIX.equals(message.prefix())) {
					watermarks = (watermarks != null) ? watermarks : new ArrayList<>(2);
					watermarks.add(message);
				}
			}
			else if (tracking && run != null && event instanceof ChangeEvent change) {
				this.windows.touched(run, change);
			}
		}
		if (watermarks == null) {
			this.downstream.handle(batch);
			return;
		}
		List<CdcEvent> rest = new ArrayList<>(events.size());
		for (CdcEvent event : events) {
			if (!(event instanceof LogicalMessage message && Watermark.PREFIX.equals(message.prefix()))) {
				rest.add(event);
			}
		}
		if (!rest.isEmpty()) {
			this.downstream.handle(new TransactionBatch(batch.xid(), batch.lsn(), batch.commitTimestamp(), rest,
					batch.first(), batch.last()));
		}
		for (LogicalMessage message : watermarks) {
			watermark(message, batch);
		}
	}

	@Override
	public @Nullable String inProgress() {
		return this.downstream.inProgress();
	}

	private void watermark(LogicalMessage message, TransactionBatch batch) throws Exception {
		Watermark mark = Watermark.parse(message.contentAsString());
		SnapshotRun run = this.active;
		if (mark == null || run == null || !run.id.equals(mark.run())) {
			// an earlier run's, another process's or another application's on the same database
			return;
		}
		if (mark.low()) {
			this.windows.open(run, mark.chunk());
			return;
		}
		ChunkWindows.Window window = this.windows.close(run, mark.chunk());
		SnapshotRun.Pending pending;
		synchronized (this.lock) {
			pending = run.pending.remove(mark.chunk());
			if (pending != null && pending.generation() != run.generation) {
				pending = null;
			}
		}
		if (pending == null) {
			// delivered before (a durable slot sends it again) or given up
			return;
		}
		if (window == null) {
			logger.debug("Snapshot of {}: chunk {} lost its low watermark; reading it again", run.table, mark.chunk());
			rewind(run);
			return;
		}
		deliver(run, pending, window, batch);
	}

	private void deliver(SnapshotRun run, SnapshotRun.Pending pending, ChunkWindows.Window window, TransactionBatch at)
			throws Exception {
		List<KeysetReader.SnapshotRow> rows = pending.chunk().rows();
		SnapshotEvents events = new SnapshotEvents(run.reader.source(), at, this.batchSize);
		for (KeysetReader.SnapshotRow row : rows) {
			if (window.keeps(row.key())) {
				events.add(run.reader.values(row));
			}
		}
		events.deliver(this.downstream);
		synchronized (this.lock) {
			if (this.active != run || run.cancelled) {
				return;
			}
			run.deliveredAfter = pending.chunk().lastKey();
			run.rowsRead += rows.size();
			this.lock.notifyAll();
		}
		this.totals.computeIfAbsent(run.table, (table) -> new AtomicLong()).addAndGet(rows.size());
		if (pending.chunk().last()) {
			finish(run, State.DONE, null);
			return;
		}
		save(run.table, run.status(State.RUNNING, null, null), run.deliveredAfter);
		run.logProgress();
	}

	// ---------------------------------------------------------------- running one table

	private void startNext() {
		TableName next;
		synchronized (this.lock) {
			if (this.active != null || this.closed || this.environment == null) {
				return;
			}
			next = this.queue.poll();
		}
		if (next != null) {
			begin(next, null);
		}
	}

	private void begin(TableName table, @Nullable Progress resume) {
		Environment env = requireAttached();
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
		worker().execute(() -> work(run));
	}

	private void finish(SnapshotRun run, State state, @Nullable String error) {
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

	private void cancelAll() {
		synchronized (this.lock) {
			this.queue.clear();
		}
		SnapshotRun run = this.active;
		if (run != null) {
			finish(run, State.CANCELLED, "a new slot was created");
		}
	}

	private void rewind(SnapshotRun run) {
		synchronized (this.lock) {
			run.pending.clear();
			run.nextAfter = run.deliveredAfter;
			run.readAll = false;
			run.generation++;
			this.lock.notifyAll();
		}
	}

	/** On the worker thread: the active run's chunks, until it ends, is cancelled or fails. */
	private void work(SnapshotRun run) {
		int failures = 0;
		while (current(run)) {
			Environment env = requireAttached();
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
				if (!current(run)) {
					return;
				}
				failures++;
				rewind(run);
				if (failures >= MAX_ATTEMPTS || ex instanceof CdcConfigurationException) {
					finish(run, State.FAILED, ex.getMessage());
					return;
				}
				logger.warn("Snapshot of {}: reading a chunk failed ({}); trying again", run.table, ex.getMessage());
				if (!backOff(failures)) {
					return;
				}
			}
		}
	}

	private boolean readNext(Connection connection, SnapshotRun run) throws SQLException, InterruptedException {
		long chunk;
		long generation;
		String @Nullable [] after;
		synchronized (this.lock) {
			while (current(run) && (!this.streaming || run.readAll || run.pending.size() >= MAX_PENDING_CHUNKS)) {
				this.lock.wait(1000);
			}
			if (!current(run)) {
				return false;
			}
			chunk = run.nextChunk++;
			generation = run.generation;
			after = run.nextAfter;
		}
		new Watermark(run.id, chunk, true).emit(connection);
		KeysetReader.Chunk rows = run.reader.read(connection, after, this.options.chunkSize());
		synchronized (this.lock) {
			if (!current(run) || generation != run.generation) {
				// rewound meanwhile: read from the new position
				return current(run);
			}
			run.pending.put(chunk, new SnapshotRun.Pending(generation, rows));
			run.nextAfter = rows.lastKey();
			run.readAll = rows.last();
		}
		new Watermark(run.id, chunk, false).emit(connection);
		return true;
	}

	private boolean backOff(int failures) {
		synchronized (this.lock) {
			try {
				// a back-off, not a synchronisation: cancel and close wake it
				this.lock.wait(Math.min(30_000, 1000L << failures));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}
		return !this.closed;
	}

	private boolean current(SnapshotRun run) {
		return this.active == run && !run.cancelled && !this.closed;
	}

	/** On the worker thread, once a durable slot streams: resume what the progress table holds. */
	private void resume() {
		List<Progress> stored;
		try {
			stored = this.store.load();
		}
		catch (SQLException ex) {
			logger.warn("Cannot read the snapshot progress table {}: {}", this.options.progressTable(), ex.getMessage());
			return;
		}
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

	// ---------------------------------------------------------------- helpers

	private void check(Connection connection, List<TableName> tables, Environment env) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT current_setting('server_version_num')::int,"
				+ " (SELECT coalesce(bool_or(has_function_privilege(p.oid, 'EXECUTE')), false) FROM pg_proc p"
				+ " WHERE p.proname = 'pg_logical_emit_message' AND p.pronamespace = 'pg_catalog'::regnamespace"
				+ " AND p.proargtypes[2] = 'text'::regtype), current_user");
				ResultSet row = statement.executeQuery()) {
			row.next();
			if (row.getInt(1) < 140000) {
				throw new CdcConfigurationException("Snapshots need PostgreSQL 14 or later: their watermarks are"
						+ " logical messages, which pgoutput sends from 14 on");
			}
			if (!row.getBoolean(2)) {
				throw new CdcConfigurationException("User " + row.getString(3) + " may not write the snapshot"
						+ " watermark (pg_logical_emit_message): GRANT EXECUTE ON FUNCTION"
						+ " pg_logical_emit_message(boolean, text, text) TO " + row.getString(3));
			}
		}
		for (TableName table : tables) {
			KeysetReader.plan(connection, table, env.types());
		}
	}

	private void requireIdle(TableName table) {
		synchronized (this.lock) {
			SnapshotRun run = this.active;
			if ((run != null && run.table.equals(table)) || this.queue.contains(table)) {
				throw new SnapshotAlreadyRunningException("A snapshot of " + table + " is already "
						+ ((run != null && run.table.equals(table)) ? "running" : "queued") + "; cancel it first");
			}
		}
	}

	private Environment requireAttached() {
		Environment env = this.environment;
		if (env == null) {
			throw new IllegalStateException("Snapshots are not attached to a stream");
		}
		return env;
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

	private ExecutorService worker() {
		synchronized (this.lock) {
			ExecutorService current = this.worker;
			if (current == null) {
				String name = "pgcdc-snapshot-" + ((this.environment != null) ? this.environment.slot() : "");
				current = Executors.newSingleThreadExecutor((task) -> {
					Thread thread = new Thread(task, name);
					thread.setDaemon(true);
					return thread;
				});
				this.worker = current;
			}
			return current;
		}
	}

}
