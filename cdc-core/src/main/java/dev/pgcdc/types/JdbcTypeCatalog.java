package dev.pgcdc.types;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TypeCatalog} that reads {@code pg_type} over JDBC. Each look-up borrows a connection
 * and closes it; the {@link TypeRegistry} caches the answers, so this runs once per unknown type
 * OID, never per value.
 * <p>
 * The query gives up after a timeout (5 s by default), because it runs on the thread that
 * decodes the stream. The timeout bounds a query that waits (on a lock, on a busy server); a
 * connection that gets no answer at all is bounded by its own connect and socket timeouts,
 * which the connections given to this catalog should set.
 */
public final class JdbcTypeCatalog implements TypeCatalog {

	/** How long a look-up may take unless told otherwise. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

	private static final Logger logger = LoggerFactory.getLogger(JdbcTypeCatalog.class);

	// typelem is also set on fixed-length types such as point and name: only category 'A' is an array
	private static final String QUERY = "SELECT n.nspname, t.typname, t.typtype, t.typbasetype::int8,"
			+ " CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END::int8, t.typdelim,"
			+ " CASE WHEN t.typsend = 0 THEN '' ELSE p.proname END"
			+ " FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
			+ " LEFT JOIN pg_catalog.pg_proc p ON p.oid = t.typsend"
			+ " WHERE t.oid = ?::pg_catalog.oid";

	private final ConnectionSource connections;

	private final int timeoutSeconds;

	/**
	 * Create a catalog over a data source, with the {@link #DEFAULT_TIMEOUT}.
	 * @param dataSource where to get (and return) a connection for each look-up
	 */
	public JdbcTypeCatalog(DataSource dataSource) {
		this((ConnectionSource) dataSource::getConnection, DEFAULT_TIMEOUT);
	}

	/**
	 * Create a catalog over a connection factory, with the {@link #DEFAULT_TIMEOUT}.
	 * @param connections gives a new connection for each look-up; the catalog closes it
	 */
	public JdbcTypeCatalog(Supplier<Connection> connections) {
		this(connections, DEFAULT_TIMEOUT);
	}

	/**
	 * Create a catalog over a connection factory.
	 * @param connections gives a new connection for each look-up; the catalog closes it
	 * @param timeout how long the query may take (whole seconds, at least one)
	 */
	public JdbcTypeCatalog(Supplier<Connection> connections, Duration timeout) {
		this((ConnectionSource) connections::get, timeout);
	}

	private JdbcTypeCatalog(ConnectionSource connections, Duration timeout) {
		this.connections = connections;
		this.timeoutSeconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
	}

	/**
	 * {@inheritDoc}
	 * @throws IllegalStateException when the catalog cannot be read
	 */
	@Override
	public Optional<PgType> find(int oid) {
		try (Connection connection = this.connections.get();
				PreparedStatement statement = connection.prepareStatement(QUERY)) {
			statement.setQueryTimeout(this.timeoutSeconds);
			statement.setLong(1, Integer.toUnsignedLong(oid));
			try (ResultSet row = statement.executeQuery()) {
				if (!row.next()) {
					logger.debug("Type OID {} not found in pg_type", Integer.toUnsignedLong(oid));
					return Optional.empty();
				}
				PgType type = new PgType(oid, row.getString(1), row.getString(2), firstChar(row.getString(3), 'b'),
						(int) row.getLong(4), (int) row.getLong(5), firstChar(row.getString(6), ','),
						Objects.toString(row.getString(7), ""));
				logger.debug("Resolved type {}", type);
				return Optional.of(type);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(
					"Cannot read pg_type for type OID " + Integer.toUnsignedLong(oid) + ": " + ex.getMessage(), ex);
		}
	}

	private static char firstChar(String value, char fallback) {
		return (value == null || value.isEmpty()) ? fallback : value.charAt(0);
	}

	@FunctionalInterface
	private interface ConnectionSource {

		Connection get() throws SQLException;

	}

}
