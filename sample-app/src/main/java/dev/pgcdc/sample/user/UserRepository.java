package dev.pgcdc.sample.user;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Plain JDBC access to {@code users}. Nothing here knows about CDC: the handlers see these
 * writes through the WAL like anybody else's.
 */
@Repository
public class UserRepository {

	private static final String COLUMNS = "id, email, name, event_subscribe, todos_count, created_at, updated_at";

	private final JdbcClient jdbc;

	UserRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** @return every user's id, in order */
	public List<Long> findIds() {
		return this.jdbc.sql("SELECT id FROM users ORDER BY id").query(Long.class).list();
	}

	/**
	 * @param id the id
	 * @return the user, if there is one
	 */
	public Optional<User> findById(long id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM users WHERE id = ?").param(id).query(UserRepository::map).optional();
	}

	/**
	 * Insert a user.
	 * @param email the e-mail address
	 * @param name the name
	 * @return the new id
	 */
	public long create(String email, String name) {
		return this.jdbc.sql("INSERT INTO users (email, name) VALUES (?, ?) RETURNING id")
			.params(email, name)
			.query(Long.class)
			.single();
	}

	/**
	 * @param id the user
	 * @param name the new name
	 * @return whether a row changed
	 */
	public boolean rename(long id, String name) {
		return this.jdbc.sql("UPDATE users SET name = ? WHERE id = ?").params(name, id).update() == 1;
	}

	/**
	 * @param id the user
	 * @param eventSubscribe whether handlers should react to the user
	 * @return whether a row changed
	 */
	public boolean setEventSubscribe(long id, boolean eventSubscribe) {
		return this.jdbc.sql("UPDATE users SET event_subscribe = ? WHERE id = ?").params(eventSubscribe, id).update() == 1;
	}

	/**
	 * Touch the row: only {@code updated_at} changes (the trigger sets it), which the cache
	 * handler does not care about.
	 * @param id the user
	 * @return whether a row changed
	 */
	public boolean touch(long id) {
		return this.jdbc.sql("UPDATE users SET updated_at = now() WHERE id = ?").param(id).update() == 1;
	}

	/**
	 * @param id the user
	 * @return whether a row was deleted
	 */
	public boolean delete(long id) {
		return this.jdbc.sql("DELETE FROM users WHERE id = ?").param(id).update() == 1;
	}

	private static User map(ResultSet rows, int rowNum) throws SQLException {
		return new User(rows.getLong("id"), rows.getString("email"), rows.getString("name"),
				rows.getBoolean("event_subscribe"), rows.getInt("todos_count"),
				rows.getObject("created_at", OffsetDateTime.class), rows.getObject("updated_at", OffsetDateTime.class));
	}

}
