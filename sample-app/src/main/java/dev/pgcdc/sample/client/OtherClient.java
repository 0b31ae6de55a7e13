package dev.pgcdc.sample.client;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Plays "another client": runs a few fixed SQL statements on a JDBC connection of its own,
 * outside the connection pool and outside any code of this app. The change handlers still see
 * every one of them, because they read the WAL, not the app's calls. The statements are fixed
 * (nothing from the request is put into SQL).
 */
@Component
public class OtherClient {

	/** The statements the page offers, each a button. */
	public static final List<ClientStatement> STATEMENTS = List.of(
			new ClientStatement("add-todo", "Insert a todo",
					"INSERT INTO todos (user_id, title) SELECT id, 'Added by another client at ' || to_char(now(), 'HH24:MI:SS')"
							+ " FROM users ORDER BY id LIMIT 1"),
			new ClientStatement("rename-user", "Rename the first user",
					"UPDATE users SET name = 'Ada ' || to_char(now(), 'HH24:MI:SS')"
							+ " WHERE id = (SELECT min(id) FROM users WHERE event_subscribe)"),
			new ClientStatement("rename-unsubscribed", "Rename an unsubscribed user",
					"UPDATE users SET name = 'Migration Bot ' || to_char(now(), 'HH24:MI:SS') WHERE NOT event_subscribe"),
			new ClientStatement("complete-all", "Finish every todo (one transaction)",
					"UPDATE todos SET done = true WHERE NOT done"),
			new ClientStatement("emit-message", "Emit an outbox message",
					"SELECT pg_logical_emit_message(true, 'outbox', '{\"type\": \"hello.from.sql\"}')"));

	private final Environment environment;

	OtherClient(Environment environment) {
		this.environment = environment;
	}

	/**
	 * Run one of the {@link #STATEMENTS}.
	 * @param name the statement's name
	 * @return the statement run, or empty when there is no statement of that name
	 * @throws SQLException if the statement fails
	 */
	public Optional<ClientStatement> run(String name) throws SQLException {
		Optional<ClientStatement> statement = STATEMENTS.stream().filter((each) -> each.name().equals(name)).findFirst();
		if (statement.isPresent()) {
			try (Connection connection = DriverManager.getConnection(this.environment.getRequiredProperty("spring.datasource.url"),
					this.environment.getProperty("spring.datasource.username"),
					this.environment.getProperty("spring.datasource.password"));
					Statement sql = connection.createStatement()) {
				sql.execute(statement.get().sql());
			}
		}
		return statement;
	}

	/**
	 * A fixed statement.
	 * @param name the name in the URL
	 * @param label the button's label
	 * @param sql the SQL
	 */
	public record ClientStatement(String name, String label, String sql) {
	}

}
