package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

import dev.pgcdc.event.TableName;
import dev.pgcdc.snapshot.IncrementalSnapshots;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.TableInfo;
import dev.pgcdc.types.JdbcTypeCatalog;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;

/**
 * A running logical replication consumer: the plain Java entry point, usable without Spring.
 * <pre>{@code
 * try (ChangeStream stream = ChangeStream.builder()
 *         .url("jdbc:postgresql://localhost/app").username("app").password("secret")
 *         .tables("users", "todos")
 *         .onEvent(event -> System.out.println(event.operation() + " " + event.newRecord()))
 *         .start()) {
 *     ...   // events arrive on the stream's dispatcher thread until the stream is closed
 * }
 * }</pre>
 * <p>
 * {@link #start()} checks the server, the tables, publication and replica identity and fails
 * with a {@link CdcConfigurationException} for anything retrying cannot fix. It then streams
 * on two threads of its own: a reader that receives and decodes, and a dispatcher that hands
 * batches to the handler in commit order and acknowledges each transaction after its handling
 * returned. A lost connection is retried with back-off ({@link StreamState#RECONNECTING}); a
 * durable slot held by another consumer puts this one in {@link StreamState#STANDBY} until it
 * frees. With a temporary slot (the default) changes made while no connection exists are not
 * delivered; with a durable slot every committed change is delivered at least once.
 */
public final class ChangeStream implements AutoCloseable {

	/**
	 * Where the server's WAL ends now, past every committed transaction: the insert position
	 * (with {@code synchronous_commit=off} a commit may not be written yet), or on a standby the
	 * replay position. Also the WAL page and segment sizes, see {@link #lastRecordEnd}.
	 */
	private static final String CURRENT_POSITION = "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
			+ " ELSE pg_current_wal_insert_lsn() END, current_setting('wal_block_size')::bigint,"
			+ " (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')";

	/** The size of a WAL page header, and of the longer one that starts a segment. */
	private static final int PAGE_HEADER = 24;

	private static final int SEGMENT_HEADER = 40;

	private final StreamSettings settings;

	private final Set<TableName> tables;

	private final StreamStatistics statistics = new StreamStatistics();

	private final StateTracker state;

	private final StartupSequence startup;

	private final LagProbe lag;

	private final StreamContainer container;

	private final ConnectionFactory connections;

	private final IncrementalSnapshots snapshots;

	ChangeStream(StreamSettings settings, IncrementalSnapshots snapshots, @Nullable CompletionBridge bridge) {
		this.settings = settings;
		this.tables = new ConcurrentSkipListSet<>(settings.tables());
		this.state = new StateTracker(settings.slot(), settings.listeners());
		// one factory for every connection of this stream: start-up, sessions, catalog, lag
		ConnectionFactory connections = new ConnectionFactory(settings);
		this.connections = connections;
		// enums, domains, extension types and arrays of them are looked up once in pg_type
		TypeRegistry types = (settings.types() != null) ? settings.types()
				: new TypeRegistry(new JdbcTypeCatalog(connections::adminForCatalog));
		this.startup = new StartupSequence(settings, connections);
		this.lag = new LagProbe(connections, settings.slot(), Clock.systemUTC());
		this.container = new StreamContainer(settings, () -> List.copyOf(this.tables), connections, this.startup, types,
				this.statistics, this.state, bridge);
		this.snapshots = snapshots;
		snapshots.attach(new IncrementalSnapshots.Environment(connections::snapshot, types, settings.slot(),
				settings.durable(), this::tables));
	}

	/** @return the stream's connection factory */
	ConnectionFactory connections() {
		return this.connections;
	}

	/** @return a new builder */
	public static ChangeStreamBuilder builder() {
		return new ChangeStreamBuilder();
	}

	/**
	 * Prepare (server checks, tables, publication, replica identity) and start streaming on
	 * threads of its own. Configuration errors are thrown here; an unreachable server is not an
	 * error: the stream retries in the background with back-off. Waits at most the start-up
	 * wait for the first session. Starting a started stream does nothing.
	 * @return this stream
	 * @throws CdcConfigurationException for a problem retrying cannot fix
	 */
	public ChangeStream start() {
		this.container.start();
		return this;
	}

	/**
	 * Stop streaming and wait until the reader and dispatcher have ended, at most the shutdown
	 * timeout. The batch being handled completes (a handler still running after the timeout is
	 * abandoned, its transaction unacknowledged); queued batches are dropped unacknowledged. A
	 * temporary slot disappears with the connection; a durable slot keeps its position.
	 * Stopping a stopped stream does nothing. Nothing is written to the database.
	 */
	public void stop() {
		this.container.stop();
		this.snapshots.close();
		// after STOPPED: lag() no longer measures, so nothing opens the probe's connection again
		this.lag.close();
	}

	/**
	 * Stop streaming asynchronously.
	 * @param callback run once both threads have ended (or the shutdown timeout passed)
	 */
	public void stop(Runnable callback) {
		Thread stopper = new Thread(() -> {
			try {
				stop();
			}
			finally {
				callback.run();
			}
		}, "pgcdc-stop-" + this.settings.slot());
		stopper.start();
	}

	@Override
	public void close() {
		stop();
	}

	/**
	 * Pause dispatch: after the batch being handled, nothing reaches the handler and nothing
	 * past the last handled transaction is acknowledged, until {@link #resume()}. The connection
	 * stays open and status updates go on, so the server keeps it; received changes wait in the
	 * bounded queue, then in the server's WAL. State {@link StreamState#PAUSED} once the
	 * dispatcher has actually paused. A pause requested before {@link #start()} applies from
	 * the first batch.
	 */
	public void pause() {
		this.container.pause(true);
	}

	/** Resume dispatch after {@link #pause()}: back to {@link StreamState#STREAMING}. */
	public void resume() {
		this.container.pause(false);
	}

	/** @return whether a pause was requested and not resumed (the state may still be STREAMING) */
	public boolean isPauseRequested() {
		return this.container.pauseRequested();
	}

	/** @return whether the stream was started and not stopped (also while FAILED, until stopped) */
	public boolean isRunning() {
		return this.container.isRunning();
	}

	/** @return the current state */
	public StreamState state() {
		return this.state.get();
	}

	/** @return a snapshot of the stream */
	public StreamStatus status() {
		// keepalives move the server position too, not only data
		this.statistics.received(this.container.serverPosition());
		return this.statistics.snapshot(this.state.get(), this.settings, this.container.flushed());
	}

	/**
	 * How far the stream is behind the server, never waiting for it: the byte lag is the last
	 * answer of a background question to the server ({@code pg_current_wal_lsn()}), refreshed
	 * when older than a second; unknown before the first answer and while not connected.
	 * @return the lag
	 */
	public StreamLag lag() {
		return this.lag.measure(status());
	}

	/**
	 * The replication slot as the server last described it ({@code wal_status},
	 * {@code safe_wal_size}, why it was invalidated, the WAL it retains), never waiting for the
	 * server: asked in the background together with the lag, refreshed when older than a second;
	 * unknown before the first answer and once stopped.
	 * @return the slot's health
	 */
	public SlotHealth slotHealth() {
		return this.lag.slot(status());
	}

	/**
	 * Wait until every change committed before this call has been handled, filtered or skipped:
	 * the server's current WAL position is read first, then this waits until the stream's
	 * flushed position passes it. For tests ("write, then assert what the handlers did") and
	 * deploy scripts. Returns {@code false} at once when the stream is not running.
	 * @param timeout how long to wait at most, including the question to the server
	 * @return whether the stream caught up within the timeout
	 * @throws IllegalStateException if the server's position cannot be read
	 */
	public boolean awaitCaughtUp(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		if (!isRunning()) {
			return false;
		}
		LogSequenceNumber target = currentServerPosition(timeout);
		try {
			return this.container.awaitFlushed(target, deadline);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private LogSequenceNumber currentServerPosition(Duration timeout) {
		try (Connection connection = this.connections.bounded(timeout);
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(CURRENT_POSITION)) {
			result.next();
			return LogSequenceNumber.valueOf(
					lastRecordEnd(LogSequenceNumber.valueOf(result.getString(1)).asLong(), result.getLong(2), result.getLong(3)));
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot read the current WAL position of " + this.settings.describe() + ": "
					+ ex.getMessage(), ex);
		}
	}

	/**
	 * The insert position right after a page header is where the next record will start; the
	 * last record ended before the header, and that is as far as the server can ever report
	 * having sent while nothing more is written.
	 * @param insert the insert position
	 * @param pageSize {@code wal_block_size}
	 * @param segmentSize {@code wal_segment_size} in bytes
	 * @return the end of the last record written
	 */
	static long lastRecordEnd(long insert, long pageSize, long segmentSize) {
		if (segmentSize > 0 && insert % segmentSize == SEGMENT_HEADER) {
			return insert - SEGMENT_HEADER;
		}
		if (pageSize > 0 && insert % pageSize == PAGE_HEADER) {
			return insert - PAGE_HEADER;
		}
		return insert;
	}

	/** @return whether the current session receives binary values (for tests) */
	boolean binaryInUse() {
		return this.container.binaryInUse();
	}

	/**
	 * The stream's snapshots: start one of a subscribed table while streaming (an incremental
	 * snapshot, delivered as {@code SNAPSHOT} events interleaved with the changes), see its
	 * status, cancel it.
	 * @return the snapshots
	 */
	public IncrementalSnapshots snapshots() {
		return this.snapshots;
	}

	/** @return the subscribed tables */
	public Set<TableName> tables() {
		return Set.copyOf(this.tables);
	}

	/** @return the replication slot name */
	public String slot() {
		return this.settings.slot();
	}

	/** @return the publication name */
	public String publication() {
		return this.settings.publication();
	}

	/**
	 * Add a table to the publication (applying its replica identity) while streaming. Its
	 * changes arrive from the next transaction on.
	 * @param table the table
	 * @return the table as found in the catalog
	 * @throws CdcConfigurationException if the table does not exist or cannot be published
	 */
	public TableInfo addTable(TableName table) {
		try {
			TableInfo info = this.startup.add(table);
			this.tables.add(table);
			return info;
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot add table " + table + " to publication "
					+ this.settings.publication() + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * Remove a table from the publication while streaming. Its changes stop from the next
	 * transaction on.
	 * @param table the table
	 */
	public void removeTable(TableName table) {
		try {
			this.startup.remove(table);
			this.tables.remove(table);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot remove table " + table + " from publication "
					+ this.settings.publication() + ": " + ex.getMessage(), ex);
		}
	}

	@Override
	public String toString() {
		return "ChangeStream[slot=" + this.settings.slot() + ", publication=" + this.settings.publication() + ", state="
				+ this.state.get() + "]";
	}

	/** @return the stream's settings */
	public StreamSettings settings() {
		return this.settings;
	}

	/** @return the number of batches waiting for the handler (for tests), 0 when not started */
	int queuedBatches() {
		return this.container.queuedBatches();
	}

}
