package dev.pgcdc.test;

/**
 * A running PostgreSQL server with {@code wal_level=logical} that tests may create databases on.
 */
public interface PostgresServer {

	/**
	 * @param database the database name
	 * @return a JDBC URL for that database on this server
	 */
	String jdbcUrl(String database);

	/** @return a superuser name */
	String username();

	/** @return the superuser's password (may be empty) */
	String password();

	/** @return a short description for logs, such as "embedded PostgreSQL 17.6 on port 5433" */
	String describe();

	/**
	 * @return a new connection to the {@code postgres} database as superuser
	 * @throws java.sql.SQLException if connecting fails
	 */
	default java.sql.Connection adminConnection() throws java.sql.SQLException {
		return java.sql.DriverManager.getConnection(jdbcUrl("postgres"), username(), password());
	}

}
