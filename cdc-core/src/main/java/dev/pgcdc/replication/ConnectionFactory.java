package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.WeakHashMap;

import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the stream's own connections from its URL: never a pooled one, because a replication
 * connection is a walsender and admin SQL must not hold a pool slot for long.
 */
final class ConnectionFactory {

	private static final Logger logger = LoggerFactory.getLogger(ConnectionFactory.class);

	/** How long admin SQL waits for a table lock before it gives up. */
	static final int ADMIN_LOCK_TIMEOUT_MILLIS = 10_000;

	/** How long the lag probe waits for the server to connect or answer. */
	static final int PROBE_TIMEOUT_SECONDS = 5;

	private final StreamSettings settings;

	/** Connections opened and not yet given up on, with the thread that opened each. */
	private final Map<Connection, Thread> opened = Collections.synchronizedMap(new WeakHashMap<>());

	ConnectionFactory(StreamSettings settings) {
		this.settings = settings;
	}

	/**
	 * Cancel what the connections opened by a thread are doing and close them: a stream
	 * stopped while it is still creating its slot (which waits for every open transaction to
	 * end) must not create it after stopping. Sends the server a cancel request, writes nothing.
	 * @param owner the thread that opened them
	 */
	void cancelOpenedBy(Thread owner) {
		List<Connection> owned = new ArrayList<>();
		synchronized (this.opened) {
			this.opened.forEach((connection, thread) -> {
				if (thread == owner) {
					owned.add(connection);
				}
			});
		}
		for (Connection connection : owned) {
			try {
				if (!connection.isClosed()) {
					connection.unwrap(PGConnection.class).cancelQuery();
					connection.abort(Runnable::run);
				}
			}
			catch (SQLException | RuntimeException ex) {
				logger.debug("Cannot cancel a connection of a stopped stream", ex);
			}
			this.opened.remove(connection);
		}
	}

	private Connection track(Connection connection) {
		this.opened.put(connection, Thread.currentThread());
		return connection;
	}

	/**
	 * @return a new plain connection in autocommit mode, for catalog look-ups and admin SQL
	 * @throws SQLException if connecting fails (a network failure names the server and its cause)
	 */
	Connection admin() throws SQLException {
		Properties properties = baseProperties();
		// ALTER TABLE ... REPLICA IDENTITY and ALTER PUBLICATION queue behind long transactions and
		// every query on the table queues behind them: give up soon (and retry with back-off) instead
		PGProperty.OPTIONS.set(properties, "-c lock_timeout=" + ADMIN_LOCK_TIMEOUT_MILLIS);
		return track(connect(properties));
	}

	/**
	 * @return a new plain connection in autocommit mode, for snapshot chunks and watermarks: a
	 * server-prepared statement's results come in binary format for the types the stream's own
	 * binary decoders read (pgjdbc's list, plus bool and uuid, less point and box), in text otherwise
	 * @throws SQLException if connecting fails
	 */
	Connection snapshot() throws SQLException {
		Properties properties = baseProperties();
		// a watermark reaches the walsender once its commit is flushed: with synchronous_commit=off
		// that waits for the WAL writer (up to 3 x wal_writer_delay), a pause per chunk
		// a chunk's statement is server-prepared (for binary results): its plan must still be the
		// custom one for the bound key and limit (an index range scan), never a generic scan and sort
		PGProperty.OPTIONS.set(properties, "-c lock_timeout=" + ADMIN_LOCK_TIMEOUT_MILLIS
				+ " -c synchronous_commit=on -c plan_cache_mode=force_custom_plan");
		PGProperty.BINARY_TRANSFER.set(properties, true);
		PGProperty.BINARY_TRANSFER_ENABLE.set(properties, "16,2950"); // bool, uuid
		PGProperty.BINARY_TRANSFER_DISABLE.set(properties, "600,603"); // point, box
		return connect(properties);
	}

	/**
	 * @return a new plain connection for a type look-up in {@code pg_type}, with the probe's
	 * short timeouts: the look-up runs on the reader thread
	 * @throws IllegalStateException if connecting fails (the registry then decodes the value as text)
	 */
	Connection adminForCatalog() {
		try {
			return probe();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot connect to read pg_type: " + ex.getMessage(), ex);
		}
	}

	/**
	 * @return a new plain connection that gives up soon on a server that does not answer, for
	 * the lag probe (its callers must not hang on an unreachable server)
	 * @throws SQLException if connecting fails
	 */
	Connection probe() throws SQLException {
		return bounded(Duration.ofSeconds(PROBE_TIMEOUT_SECONDS));
	}

	/**
	 * @param timeout how long connecting, logging in and each answer may take (at least a second)
	 * @return a new plain connection that gives up soon on a server that does not answer
	 * @throws SQLException if connecting fails
	 */
	Connection bounded(Duration timeout) throws SQLException {
		Properties properties = baseProperties();
		int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
		PGProperty.CONNECT_TIMEOUT.set(properties, seconds);
		PGProperty.LOGIN_TIMEOUT.set(properties, seconds);
		PGProperty.SOCKET_TIMEOUT.set(properties, seconds);
		return connect(properties);
	}

	/**
	 * @return a new replication connection ({@code replication=database}, simple query mode)
	 * @throws SQLException if connecting fails
	 */
	Connection replication() throws SQLException {
		return track(connect(replicationProperties()));
	}

	private Properties replicationProperties() {
		Properties properties = baseProperties();
		PGProperty.REPLICATION.set(properties, "database");
		// the replication protocol only understands the simple query protocol
		PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
		return properties;
	}

	private Connection connect(Properties properties) throws SQLException {
		try {
			return DriverManager.getConnection(this.settings.url(), properties);
		}
		catch (SQLException ex) {
			throw SqlErrors.explainConnectFailure(ex, this.settings.url());
		}
	}

	private Properties baseProperties() {
		Properties properties = new Properties();
		if (this.settings.username() != null) {
			PGProperty.USER.set(properties, this.settings.username());
		}
		if (this.settings.password() != null) {
			PGProperty.PASSWORD.set(properties, this.settings.password());
		}
		PGProperty.APPLICATION_NAME.set(properties, this.settings.applicationName());
		return properties;
	}

	/**
	 * Close a connection a stream kept between uses (heartbeat, standby probe); a failure to close
	 * is only worth a DEBUG line: the connection is given up either way.
	 * @param connection the connection, or {@code null}
	 * @param purpose what it was kept for, for the log
	 */
	static void closeKept(@Nullable Connection connection, String purpose) {
		if (connection == null) {
			return;
		}
		try {
			connection.close();
		}
		catch (SQLException ex) {
			logger.debug("Cannot close the {} connection", purpose, ex);
		}
	}

}
