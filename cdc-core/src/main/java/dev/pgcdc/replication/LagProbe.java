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
 * Measures a stream's lag, never waiting for the server: the one lag cache of the stream, read
 * by {@link ChangeStream#lag()}, the endpoint, health and metrics alike. The byte lag
 * ({@code pg_current_wal_lsn()} minus the flushed LSN) is asked in the background on a plain
 * connection kept open for it, with short connect and socket timeouts, at most one question at
 * a time; callers get the last answer, which is refreshed when older than a second. The time
 * lag is computed from the stream's own status.
 */
final class LagProbe {

	private static final Logger logger = LoggerFactory.getLogger(LagProbe.class);

	private static final String LAG_BYTES = "SELECT pg_current_wal_lsn() - ?::pg_lsn";

	/** How long an answer is reused. */
	static final Duration MAX_AGE = Duration.ofSeconds(1);

	private final ConnectionFactory connections;

	private final Clock clock;

	private final Executor executor;

	private @Nullable Instant askedAt;

	private @Nullable String askedFor;

	private @Nullable Long bytes;

	/** Kept open between measurements; only the measuring task uses it. */
	private @Nullable Connection connection;

	private boolean measuring;

	private boolean closeRequested;

	LagProbe(ConnectionFactory connections, Clock clock) {
		this(connections, clock, backgroundExecutor());
	}

	/**
	 * @param connections opens the kept connection
	 * @param clock tells the age of an answer
	 * @param executor asks the server
	 */
	LagProbe(ConnectionFactory connections, Clock clock, Executor executor) {
		this.connections = connections;
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
		// a different flushed position makes the last answer an upper bound: still the best we know
		return this.bytes;
	}

	private void ask(String flushed, Instant now) {
		Connection kept;
		synchronized (this) {
			kept = this.connection;
		}
		Long answer = null;
		try {
			if (kept == null) {
				kept = this.connections.probe();
			}
			answer = query(kept, flushed);
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
				this.bytes = answer;
			}
			closeQuietly(toClose);
		}
	}

	private static @Nullable Long query(Connection connection, String flushed) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(LAG_BYTES)) {
			statement.setString(1, flushed);
			try (ResultSet row = statement.executeQuery()) {
				return row.next() ? Math.max(0, row.getLong(1)) : null;
			}
		}
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
