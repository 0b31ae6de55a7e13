package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures a stream's lag and its slot's health, never waiting for the server: the one lag
 * cache of the stream, read by {@link ChangeStream#lag()}, {@link ChangeStream#slotHealth()},
 * the endpoint, health and metrics alike. The byte lag ({@code pg_current_wal_lsn()} minus the
 * flushed LSN) and the slot's row in {@code pg_replication_slots} are asked in one query in the
 * background on a plain connection kept open for it, with short connect and socket timeouts, at
 * most one question at a time; callers get the last answer, which is refreshed when older than
 * a second. The time lag is computed from the stream's own status.
 */
final class LagProbe {

	private static final Logger logger = LoggerFactory.getLogger(LagProbe.class);

	/**
	 * One row even without the slot; version-dependent columns through {@code to_jsonb}, so the
	 * query works on every server (absent columns read as null).
	 */
	private static final String LAG_AND_SLOT = """
			SELECT pg_current_wal_lsn() - ?::pg_lsn, slot.j->>'wal_status', (slot.j->>'safe_wal_size')::bigint,
			       slot.j->>'invalidation_reason', coalesce((slot.j->>'conflicting')::boolean, false),
			       pg_current_wal_lsn() - slot.restart_lsn
			FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT s.restart_lsn, to_jsonb(s) AS j
			      FROM pg_replication_slots s WHERE s.slot_name = ?) AS slot ON true""";

	/** The key of a question asked before anything was flushed. */
	private static final String NOTHING_FLUSHED = "";

	/** How long an answer is reused. */
	static final Duration MAX_AGE = Duration.ofSeconds(1);

	private final ConnectionFactory connections;

	private final String slot;

	private final Clock clock;

	private final Executor executor;

	private @Nullable Instant askedAt;

	private @Nullable String askedFor;

	private @Nullable Long bytes;

	private SlotHealth slotHealth = SlotHealth.UNKNOWN;

	/** Kept open between measurements; only the measuring task uses it. */
	private @Nullable Connection connection;

	private boolean measuring;

	private boolean closeRequested;

	LagProbe(ConnectionFactory connections, String slot, Clock clock) {
		this(connections, slot, clock, backgroundExecutor());
	}

	/**
	 * @param connections opens the kept connection
	 * @param slot the stream's replication slot
	 * @param clock tells the age of an answer
	 * @param executor asks the server
	 */
	LagProbe(ConnectionFactory connections, String slot, Clock clock, Executor executor) {
		this.connections = connections;
		this.slot = slot;
		this.clock = clock;
		this.executor = executor;
	}

	private static Executor backgroundExecutor() {
		ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				(task) -> {
					Thread thread = new Thread(task, "pgcdc-lag");
					thread.setDaemon(true);
					return thread;
				});
		executor.allowCoreThreadTimeOut(true);
		return executor;
	}

	/**
	 * @param status the stream's status
	 * @return the lag, with the last byte lag the server gave (unknown before its first answer)
	 */
	StreamLag measure(StreamStatus status) {
		boolean connected = status.state() == StreamState.STREAMING || status.state() == StreamState.PAUSED;
		Long bytes = (connected && status.flushedLsn() != null) ? bytes(status.flushedLsn()) : null;
		return new StreamLag(bytes, time(status, connected));
	}

	/**
	 * @param status the stream's status
	 * @return the slot as the server last described it; asked also while the stream is failed or
	 * reconnecting (an invalidated slot shows there), {@link SlotHealth#UNKNOWN} once stopped
	 */
	SlotHealth slot(StreamStatus status) {
		if (status.state() == StreamState.STOPPED) {
			return SlotHealth.UNKNOWN;
		}
		String flushed = status.flushedLsn();
		synchronized (this) {
			refresh((flushed != null) ? flushed : NOTHING_FLUSHED);
			return this.slotHealth;
		}
	}

	private @Nullable Duration time(StreamStatus status, boolean connected) {
		String received = status.receivedLsn();
		String flushed = status.flushedLsn();
		if (connected && received != null && flushed != null
				&& LogSequenceNumber.valueOf(flushed).asLong() >= LogSequenceNumber.valueOf(received).asLong()) {
			// everything received has been handled: an idle database is not a lagging stream
			return Duration.ZERO;
		}
		Instant commit = status.lastHandledCommit();
		if (commit == null) {
			return null;
		}
		Duration time = Duration.between(commit, this.clock.instant());
		return time.isNegative() ? Duration.ZERO : time;
	}

	/** @return whether a question to the server is under way (for tests) */
	synchronized boolean asking() {
		return this.measuring;
	}

	/** Close the kept connection; the next measurement opens a new one. */
	void close() {
		Connection idle;
		synchronized (this) {
			if (this.measuring) {
				// the measuring task closes it when done
				this.closeRequested = true;
				return;
			}
			idle = this.connection;
			this.connection = null;
		}
		closeQuietly(idle);
	}

	private synchronized @Nullable Long bytes(String flushed) {
		refresh(flushed);
		// a different flushed position makes the last answer an upper bound: still the best we know
		return this.bytes;
	}

	private synchronized void refresh(String flushed) {
		Instant now = this.clock.instant();
		boolean fresh = this.askedAt != null && flushed.equals(this.askedFor) && now.isBefore(this.askedAt.plus(MAX_AGE));
		if (!fresh && !this.measuring) {
			this.measuring = true;
			try {
				this.executor.execute(() -> ask(flushed, now));
			}
			catch (RuntimeException ex) {
				this.measuring = false;
				logger.debug("Cannot start measuring the lag", ex);
			}
		}
	}

	private void ask(String flushed, Instant now) {
		Connection kept;
		synchronized (this) {
			kept = this.connection;
		}
		Answer answer = null;
		try {
			if (kept == null) {
				kept = this.connections.probe();
			}
			answer = query(kept, flushed, this.slot);
		}
		catch (SQLException | RuntimeException ex) {
			logger.debug("Cannot ask the server for the WAL position", ex);
			closeQuietly(kept);
			kept = null;
		}
		finally {
			Connection toClose = null;
			synchronized (this) {
				this.measuring = false;
				if (this.closeRequested) {
					this.closeRequested = false;
					toClose = kept;
					kept = null;
				}
				this.connection = kept;
				this.askedAt = now;
				this.askedFor = flushed;
				this.bytes = (answer != null) ? answer.bytes() : null;
				this.slotHealth = (answer != null) ? answer.slot() : SlotHealth.UNKNOWN;
			}
			closeQuietly(toClose);
		}
	}

	private static @Nullable Answer query(Connection connection, String flushed, String slot) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(LAG_AND_SLOT)) {
			statement.setString(1, NOTHING_FLUSHED.equals(flushed) ? null : flushed);
			statement.setString(2, slot);
			try (ResultSet row = statement.executeQuery()) {
				if (!row.next()) {
					return null;
				}
				Long bytes = nonNegative(row, 1);
				String walStatus = row.getString(2);
				long safe = row.getLong(3);
				Long safeWalSize = row.wasNull() ? null : safe;
				String reason = SlotHealth.invalidation(walStatus, row.getString(4), row.getBoolean(5));
				return new Answer(bytes, new SlotHealth(walStatus, safeWalSize, reason, nonNegative(row, 6)));
			}
		}
	}

	private static @Nullable Long nonNegative(ResultSet row, int column) throws SQLException {
		long value = row.getLong(column);
		return row.wasNull() ? null : Math.max(0, value);
	}

	/** What one question to the server gave. */
	private record Answer(@Nullable Long bytes, SlotHealth slot) {
	}

	private static void closeQuietly(@Nullable Connection connection) {
		if (connection == null) {
			return;
		}
		try {
			connection.close();
		}
		catch (SQLException ex) {
			logger.debug("Cannot close the lag probe's connection", ex);
		}
	}

}
