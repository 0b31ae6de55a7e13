package dev.pgcdc.sample;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.springframework.core.env.Environment;

/**
 * Plain JDBC on a connection of its own, the way psql or another service would write: none of
 * the app's code is involved, so whatever the handlers see came through the WAL.
 */
public final class OutsideClient {

	private final String url;

	private final String username;

	private final String password;

	private OutsideClient(String url, String username, String password) {
		this.url = url;
		this.username = username;
		this.password = password;
	}

	/**
	 * @param environment the app's environment, which knows where its database is
	 * @return a client for the app's database
	 */
	public static OutsideClient of(Environment environment) {
		return new OutsideClient(environment.getRequiredProperty("spring.datasource.url"),
				environment.getProperty("spring.datasource.username", ""),
				environment.getProperty("spring.datasource.password", ""));
	}

	/**
	 * Run statements in one transaction.
	 * @param statements SQL, each with its parameters
	 */
	public void inTransaction(Sql... statements) {
		try (Connection connection = connect()) {
			connection.setAutoCommit(false);
			for (Sql statement : statements) {
				try (PreparedStatement prepared = prepare(connection, statement)) {
					prepared.execute();
				}
			}
			connection.commit();
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Run one statement in its own transaction.
	 * @param sql the SQL
	 * @param parameters its parameters
	 */
	public void execute(String sql, Object... parameters) {
		inTransaction(new Sql(sql, parameters));
	}

	/**
	 * Run a query whose first column is a number.
	 * @param sql the SQL
	 * @param parameters its parameters
	 * @return the first column of every row
	 */
	public List<Long> queryLongs(String sql, Object... parameters) {
		try (Connection connection = connect(); PreparedStatement prepared = prepare(connection, new Sql(sql, parameters));
				ResultSet rows = prepared.executeQuery()) {
			List<Long> values = new ArrayList<>();
			while (rows.next()) {
				values.add(rows.getLong(1));
			}
			return values;
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private Connection connect() throws SQLException {
		return DriverManager.getConnection(this.url, this.username, this.password);
	}

	private static PreparedStatement prepare(Connection connection, Sql statement) throws SQLException {
		PreparedStatement prepared = connection.prepareStatement(statement.sql());
		for (int i = 0; i < statement.parameters().length; i++) {
			prepared.setObject(i + 1, statement.parameters()[i]);
		}
		return prepared;
	}

	/**
	 * A statement and its parameters.
	 * @param sql the SQL
	 * @param parameters the parameters
	 */
	public record Sql(String sql, Object... parameters) {
	}

}
