package dev.pgcdc.sample.todo;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Plain JDBC access to {@code todos}.
 */
@Repository
public class TodoRepository {

	private final JdbcClient jdbc;

	TodoRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** @return every todo, oldest first */
	public List<Todo> findAll() {
		return this.jdbc
			.sql("SELECT t.id, t.user_id, u.name AS owner, t.title, t.done, t.updated_at"
					+ " FROM todos t JOIN users u ON u.id = t.user_id ORDER BY t.id")
			.query((rows, rowNum) -> new Todo(rows.getLong("id"), rows.getLong("user_id"), rows.getString("owner"),
					rows.getString("title"), rows.getBoolean("done"), rows.getObject("updated_at", OffsetDateTime.class)))
			.list();
	}

	/**
	 * Add a todo.
	 * @param userId the owner, or empty for the first user
	 * @param title what to do
	 * @return the new id, or empty when there is no such user
	 */
	public Optional<Long> create(Optional<Long> userId, String title) {
		return this.jdbc
			.sql("INSERT INTO todos (user_id, title) SELECT id, ? FROM users"
					+ " WHERE (?::bigint IS NULL OR id = ?::bigint) ORDER BY id LIMIT 1 RETURNING id")
			// params(Object...) is declared without null elements; the list form binds a null owner as SQL NULL
			.params(Arrays.asList(title, userId.orElse(null), userId.orElse(null)))
			.query(Long.class)
			.optional();
	}

	/**
	 * @param id the todo
	 * @param done whether it is done
	 * @return whether a row changed
	 */
	public boolean setDone(long id, boolean done) {
		return this.jdbc.sql("UPDATE todos SET done = ? WHERE id = ?").params(done, id).update() == 1;
	}

	/**
	 * @param id the todo
	 * @return whether a row was deleted
	 */
	public boolean delete(long id) {
		return this.jdbc.sql("DELETE FROM todos WHERE id = ?").param(id).update() == 1;
	}

}
