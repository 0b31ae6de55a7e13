package dev.pgcdc.sample.outbox;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Nudging a user writes a todo and an outbox message in one transaction. The message goes
 * into the WAL with {@code pg_logical_emit_message} instead of an outbox table: it is
 * delivered if and only if the transaction commits, in order with its row changes, and leaves
 * nothing to clean up.
 */
@Service
public class Nudges {

	/** The prefix the outbox handler listens to. */
	public static final String OUTBOX = "outbox";

	private final JdbcClient jdbc;

	private final JsonMapper json;

	Nudges(JdbcClient jdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.json = json;
	}

	/**
	 * Nudge a user.
	 * @param userId the user
	 * @return the new todo's id, or empty when there is no such user
	 */
	@Transactional
	public Optional<Long> nudge(long userId) {
		Optional<Long> todoId = this.jdbc
			.sql("INSERT INTO todos (user_id, title) SELECT id, 'Answer the nudge' FROM users WHERE id = ? RETURNING id")
			.param(userId)
			.query(Long.class)
			.optional();
		todoId.ifPresent((id) -> {
			Map<String, Object> message = new LinkedHashMap<>();
			message.put("type", "user.nudged");
			message.put("userId", userId);
			message.put("todoId", id);
			this.jdbc.sql("SELECT pg_logical_emit_message(true, ?, ?)")
				.params(OUTBOX, this.json.writeValueAsString(message))
				.query(String.class)
				.single();
		});
		return todoId;
	}

}
