package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import org.jspecify.annotations.Nullable;

/**
 * A chunk's low or high watermark: a transactional logical message
 * ({@code pg_logical_emit_message(true, 'pgcdc.snapshot', '<run>:<chunk>:L|H')}) committed in
 * a transaction of its own just before and just after the chunk's query, so it reaches the
 * stream in WAL order with the changes around the query.
 *
 * @param run the snapshot run it belongs to (unique per process and run)
 * @param chunk the chunk number within the run
 * @param low whether it is the low watermark (before the query) or the high one (after)
 */
record Watermark(String run, long chunk, boolean low) {

	/** The prefix of every watermark message; never delivered to {@code @OnMessage} handlers. */
	static final String PREFIX = "pgcdc.snapshot";

	/**
	 * Write it, in a transaction of its own.
	 * @param connection a connection in autocommit mode
	 * @throws SQLException if the server refuses
	 */
	void emit(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)")) {
			statement.setString(1, PREFIX);
			statement.setString(2, content());
			try (ResultSet row = statement.executeQuery()) {
				row.next();
			}
		}
	}

	/**
	 * Write it and then another in one transaction (one round trip and one commit instead of two):
	 * a chunk's high watermark and the next chunk's low one. Nothing commits between them, so the
	 * next chunk's window opens where this one's closes.
	 * @param connection a connection in autocommit mode
	 * @param next the watermark written after it
	 * @throws SQLException if the server refuses
	 */
	void emitWith(Watermark next, Connection connection) throws SQLException {
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?), pg_logical_emit_message(true, ?, ?)")) {
			statement.setString(1, PREFIX);
			statement.setString(2, content());
			statement.setString(3, PREFIX);
			statement.setString(4, next.content());
			try (ResultSet row = statement.executeQuery()) {
				row.next();
			}
		}
	}

	private String content() {
		return this.run + ":" + this.chunk + ":" + (this.low ? "L" : "H");
	}

	/**
	 * @param content a watermark message's content
	 * @return the watermark, or {@code null} when it is not one this version writes
	 */
	static @Nullable Watermark parse(String content) {
		String[] parts = content.split(":");
		if (parts.length != 3 || !(parts[2].equals("L") || parts[2].equals("H"))) {
			return null;
		}
		try {
			return new Watermark(parts[0], Long.parseLong(parts[1]), parts[2].equals("L"));
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

}
