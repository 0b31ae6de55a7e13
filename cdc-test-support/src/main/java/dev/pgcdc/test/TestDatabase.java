package dev.pgcdc.test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A database of its own for one test (class), on the shared server. Closing it drops the
 * replication slots created in it and the database itself, so tests stay independent.
 */
public final class TestDatabase implements AutoCloseable {

	private static final AtomicInteger COUNTER = new AtomicInteger();

	private final PostgresServer server;

	private final String name;

	private TestDatabase(PostgresServer server, String name) {
		this.server = server;
		this.name = name;
	}

	static TestDatabase create(PostgresServer server, String prefix) {
		String name = (prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_") + "_" + ProcessHandle.current().pid()
				+ "_" + COUNTER.incrementAndGet());
		name = name.length() > 60 ? name.substring(name.length() - 60) : name;
		name = Character.isLetter(name.charAt(0)) ? name : "t" + name;
		try (Connection connection = server.adminConnection(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE DATABASE \"" + name + "\"");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot create test database " + name + ": " + ex.getMessage(), ex);
		}
		return new TestDatabase(server, name);
	}

	/** @return the database name */
	public String name() {
		return this.name;
	}

	/** @return a JDBC URL for this database */
	public String jdbcUrl() {
		return this.server.jdbcUrl(this.name);
	}

	/** @return the user name */
	public String username() {
		return this.server.username();
	}

	/** @return the password */
	public String password() {
		return this.server.password();
	}

	/** @return the server this database lives on */
	public PostgresServer server() {
		return this.server;
	}

	/**
	 * @return a new plain (non-replication) connection to this database
	 * @throws SQLException if connecting fails
	 */
	public Connection connect() throws SQLException {
		return DriverManager.getConnection(jdbcUrl(), username(), password());
	}

	/**
	 * Run SQL statements in autocommit mode.
	 * @param sql the statements (each may hold several separated by semicolons)
	 */
	public void execute(String... sql) {
		try (Connection connection = connect(); Statement statement = connection.createStatement()) {
			for (String each : sql) {
				statement.execute(each);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("SQL failed on " + this.name + ": " + ex.getMessage(), ex);
		}
	}

	/** Drop this database's replication slots (ending their walsenders) and the database. */
	@Override
	public void close() {
		try (Connection connection = this.server.adminConnection(); Statement statement = connection.createStatement()) {
			long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
			while (true) {
				statement.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = '"
						+ this.name + "' AND active_pid IS NOT NULL");
				try {
					statement.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
							+ " WHERE database = '" + this.name + "'");
					break;
				}
				catch (SQLException stillActive) {
					// a terminated walsender releases its slot a moment later
					if (System.nanoTime() > deadline) {
						throw stillActive;
					}
					Thread.onSpinWait();
				}
			}
			statement.execute("DROP DATABASE IF EXISTS \"" + this.name + "\" WITH (FORCE)");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot drop test database " + this.name + ": " + ex.getMessage(), ex);
		}
	}

	@Override
	public String toString() {
		return this.name + " on " + this.server.describe();
	}

}
