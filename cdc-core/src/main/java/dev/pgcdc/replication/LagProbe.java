package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures a stream's lag. The byte lag asks the server ({@code pg_current_wal_lsn()} minus
 * the flushed LSN) on a plain connection kept open for it, with short connect and socket
 * timeouts. The answer is reused for a second, and while one caller asks the server the others
 * get the last answer, so a hung server never blocks the endpoint, health and metrics.
 */
final class LagProbe {

	private static final Logger logger = LoggerFactory.getLogger(LagProbe.class);

	private static final String LAG_BYTES = "SELECT pg_current_wal_lsn() - ?::pg_lsn";

	private static final Duration REUSE = Duration.ofSeconds(1);

	private final ConnectionFactory connections;

	private final Clock clock;

	private @Nullable Instant askedAt;

	private @Nullable String askedFor;

	private @Nullable Long bytes;

	/** Kept open between measurements; only the measuring caller uses it. */
	private @Nullable Connection connection;

	private boolean measuring;

	private boolean closeRequested;

	LagProbe(ConnectionFactory connections, Clock clock) {
		this.connections = connections;
		this.clock = clock;
	}

	/**
	 * @param status the stream's status
	 * @return the lag
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

	/** Close the kept connection; the next measurement opens a new one. */
	void close() {
		Connection idle;
		synchronized (this) {
			if (this.measuring) {
				// the measuring caller closes it when done
				this.closeRequested = true;
				return;
			}
			idle = this.connection;
			this.connection = null;
		}
		closeQuietly(idle);
	}

	private @Nullable Long bytes(String flushed) {
		Instant now = this.clock.instant();
		Connection connection;
		synchronized (this) {
			boolean fresh = this.askedAt != null && flushed.equals(this.askedFor) && now.isBefore(this.askedAt.plus(REUSE));
			if (fresh || this.measuring) {
				// one caller asks the server; the others answer with the last value meanwhile
				return this.bytes;
			}
			this.measuring = true;
			connection = this.connection;
		}
		Long bytes = null;
		try {
			if (connection == null) {
				connection = this.connections.probe();
			}
			bytes = query(connection, flushed);
		}
		catch (SQLException ex) {
			logger.debug("Cannot ask the server for the WAL position", ex);
			closeQuietly(connection);
			connection = null;
		}
		finally {
			Connection toClose = null;
			synchronized (this) {
				this.measuring = false;
				if (this.closeRequested) {
					this.closeRequested = false;
					toClose = connection;
					connection = null;
				}
				this.connection = connection;
				this.askedAt = now;
				this.askedFor = flushed;
				this.bytes = bytes;
			}
			closeQuietly(toClose);
		}
		return bytes;
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
