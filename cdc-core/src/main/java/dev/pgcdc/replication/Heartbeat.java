package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a heartbeat when no subscribed table changed for the heartbeat interval, so that the
 * stream receives something of its own database to acknowledge and the slot's confirmed
 * position follows the server even while the subscribed tables are idle: an empty
 * non-transactional logical message with prefix {@value #PREFIX} (acknowledged, never
 * delivered), or the configured action query. Runs on a daemon thread of its own, on a plain
 * connection kept open for it, only while the stream is {@link StreamState#STREAMING}; a
 * failing heartbeat is logged and tried again at the next interval, never fails the stream.
 */
final class Heartbeat {

	private static final Logger logger = LoggerFactory.getLogger(Heartbeat.class);

	/** The prefix of pgcdc's heartbeat messages: reserved, never delivered to handlers. */
	static final String PREFIX = "pgcdc.heartbeat";

	private static final String EMIT = "SELECT pg_logical_emit_message(false, ?, '')::text";

	private static final String POSITION = "SELECT pg_current_wal_lsn()::text";

	private final ConnectionFactory connections;

	private final Duration interval;

	private final @Nullable String actionQuery;

	private final LongSupplier lastData;

	private final Supplier<StreamState> state;

	private final String slot;

	private @Nullable ScheduledThreadPoolExecutor executor;

	/** Used by the heartbeat thread; closed by {@link #stop()} once that has ended. */
	private volatile @Nullable Connection connection;

	/** The data position seen at the previous tick. */
	private long seen;

	/** The end of the last heartbeat written: data up to it is the heartbeat itself. */
	private long written;

	private boolean failing;

	private volatile boolean stopped;

	/**
	 * @param connections opens the heartbeat's connection
	 * @param settings the stream's settings (interval, action query, slot)
	 * @param lastData the position of the last data message the stream received
	 * @param state the stream's state
	 */
	Heartbeat(ConnectionFactory connections, StreamSettings settings, LongSupplier lastData,
			Supplier<StreamState> state) {
		Duration configured = settings.heartbeatInterval();
		if (configured == null) {
			throw new IllegalArgumentException("No heartbeat interval");
		}
		this.connections = connections;
		this.interval = configured;
		this.actionQuery = settings.heartbeatActionQuery();
		this.lastData = lastData;
		this.state = state;
		this.slot = settings.slot();
	}

	/** Start the heartbeat thread. */
	synchronized void start() {
		if (this.executor != null) {
			return;
		}
		ScheduledThreadPoolExecutor started = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "pgcdc-heartbeat-" + this.slot);
			thread.setDaemon(true);
			return thread;
		});
		long millis = Math.max(1, this.interval.toMillis());
		started.scheduleWithFixedDelay(this::tick, millis, millis, TimeUnit.MILLISECONDS);
		this.executor = started;
	}

	/**
	 * Stop the heartbeat thread and close its connection, without waiting: a heartbeat being
	 * written is abandoned (closing the connection ends its wait on the server).
	 */
	void stop() {
		ScheduledThreadPoolExecutor current;
		synchronized (this) {
			current = this.executor;
			this.executor = null;
			this.stopped = true;
		}
		if (current != null) {
			current.shutdownNow();
		}
		closeConnection();
	}

	/** On the heartbeat thread: write a heartbeat unless data arrived since the previous tick. */
	void tick() {
		long data = this.lastData.getAsLong();
		boolean idle = data <= Math.max(this.seen, this.written);
		this.seen = data;
		if (!idle || this.state.get() != StreamState.STREAMING) {
			return;
		}
		try {
			Connection current = this.connection;
			if (current == null) {
				current = this.connections.probe();
				this.connection = current;
				if (this.stopped) {
					closeConnection();
					return;
				}
			}
			this.written = write(current);
			if (this.failing) {
				this.failing = false;
				logger.info("Heartbeat of slot {} written again", this.slot);
			}
		}
		catch (SQLException | RuntimeException ex) {
			closeConnection();
			if (this.stopped) {
				return;
			}
			if (!this.failing) {
				this.failing = true;
				logger.warn("Cannot write the heartbeat of slot {} ({}); trying again every {}", this.slot,
						ex.getMessage(), this.interval);
			}
			else {
				logger.debug("Cannot write the heartbeat of slot {}", this.slot, ex);
			}
		}
	}

	/** @return the WAL position after the heartbeat */
	private long write(Connection connection) throws SQLException {
		String query = this.actionQuery;
		if (query == null) {
			try (PreparedStatement statement = connection.prepareStatement(EMIT)) {
				statement.setString(1, PREFIX);
				try (ResultSet row = statement.executeQuery()) {
					row.next();
					return LogSequenceNumber.valueOf(row.getString(1)).asLong();
				}
			}
		}
		try (Statement statement = connection.createStatement()) {
			// the user's own statement, as configured: nothing to bind
			statement.execute(query);
			try (ResultSet row = statement.executeQuery(POSITION)) {
				row.next();
				return LogSequenceNumber.valueOf(row.getString(1)).asLong();
			}
		}
	}

	private void closeConnection() {
		Connection current = this.connection;
		this.connection = null;
		ConnectionFactory.closeKept(current, "heartbeat");
	}

}
