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
 * the flushed LSN) on a short-lived plain connection; the answer is reused for a second, so
 * the endpoint, health and metrics asking together open one connection, not three.
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

	private synchronized @Nullable Long bytes(String flushed) {
		Instant now = this.clock.instant();
		if (this.askedAt != null && flushed.equals(this.askedFor) && now.isBefore(this.askedAt.plus(REUSE))) {
			return this.bytes;
		}
		Long bytes = null;
		try (Connection connection = this.connections.admin();
				PreparedStatement statement = connection.prepareStatement(LAG_BYTES)) {
			statement.setString(1, flushed);
			try (ResultSet row = statement.executeQuery()) {
				if (row.next()) {
					bytes = Math.max(0, row.getLong(1));
				}
			}
		}
		catch (SQLException ex) {
			logger.debug("Cannot ask the server for the WAL position", ex);
		}
		this.askedAt = now;
		this.askedFor = flushed;
		this.bytes = bytes;
		return bytes;
	}

}
