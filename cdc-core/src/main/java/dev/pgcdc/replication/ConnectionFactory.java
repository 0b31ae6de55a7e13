package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

import org.postgresql.PGProperty;

/**
 * Opens the stream's own connections from its URL: never a pooled one, because a replication
 * connection is a walsender and admin SQL must not hold a pool slot for long.
 */
final class ConnectionFactory {

	/** How long admin SQL waits for a table lock before it gives up. */
	static final int ADMIN_LOCK_TIMEOUT_MILLIS = 10_000;

	/** How long the lag probe waits for the server to connect or answer. */
	static final int PROBE_TIMEOUT_SECONDS = 5;

	private final StreamSettings settings;

	ConnectionFactory(StreamSettings settings) {
		this.settings = settings;
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
		return connect(properties);
	}

	/**
	 * @return a new plain connection for a type look-up in {@code pg_type}
	 * @throws IllegalStateException if connecting fails (the registry then decodes the value as text)
	 */
	Connection adminForCatalog() {
		try {
			return admin();
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
		Properties properties = baseProperties();
		PGProperty.CONNECT_TIMEOUT.set(properties, PROBE_TIMEOUT_SECONDS);
		PGProperty.LOGIN_TIMEOUT.set(properties, PROBE_TIMEOUT_SECONDS);
		PGProperty.SOCKET_TIMEOUT.set(properties, PROBE_TIMEOUT_SECONDS);
		return connect(properties);
	}

	/**
	 * @return a new replication connection ({@code replication=database}, simple query mode)
	 * @throws SQLException if connecting fails
	 */
	Connection replication() throws SQLException {
		Properties properties = baseProperties();
		PGProperty.REPLICATION.set(properties, "database");
		// the replication protocol only understands the simple query protocol
		PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
		return connect(properties);
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

}
