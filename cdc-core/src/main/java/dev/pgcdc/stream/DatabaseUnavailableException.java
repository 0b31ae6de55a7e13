package dev.pgcdc.stream;

import java.sql.SQLException;

import org.jspecify.annotations.Nullable;

/**
 * A handler could not finish because a database it uses is shutting down, restarting or
 * unreachable (SQLState {@code 57P01}, {@code 57P02}, {@code 57P03} or class {@code 08}, not the
 * protocol violation {@code 08P01}). Not the handler's fault, and not for the error policy: the
 * stream gives up its session at once without acknowledging the transaction (so a server that is
 * shutting down is not kept waiting for the confirmation of it), reconnects with the reconnect
 * back-off, and a durable slot delivers the transaction again.
 * <p>
 * A {@link BatchHandler} may throw it (or any exception with such an {@link SQLException} in its
 * causes) to ask for the same.
 */
public class DatabaseUnavailableException extends RuntimeException {

	/** How deep to look into causes: a cycle or a very long chain is not worth following. */
	private static final int MAX_DEPTH = 32;

	/**
	 * @param message what could not be done
	 * @param cause the database's error
	 */
	public DatabaseUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

	/**
	 * @param error what a handler threw
	 * @return whether it (or one of its causes, or a chained {@link SQLException#getNextException()
	 * next exception}) says a database is shutting down, restarting or unreachable
	 */
	public static boolean causedBy(Throwable error) {
		@Nullable Throwable current = error;
		for (int depth = 0; current != null && depth < MAX_DEPTH; depth++) {
			if (current instanceof DatabaseUnavailableException) {
				return true;
			}
			if (current instanceof SQLException sql) {
				SQLException next = sql.getNextException();
				if (unavailable(sql.getSQLState()) || (next != null && unavailable(next.getSQLState()))) {
					return true;
				}
			}
			current = (current.getCause() != current) ? current.getCause() : null;
		}
		return false;
	}

	/**
	 * @param sqlState an SQLState, or {@code null}
	 * @return whether it means the server is shutting down, starting, crashed or cannot be reached
	 */
	static boolean unavailable(@Nullable String sqlState) {
		if (sqlState == null) {
			return false;
		}
		return sqlState.equals("57P01") || sqlState.equals("57P02") || sqlState.equals("57P03")
				|| (sqlState.startsWith("08") && !sqlState.equals("08P01"));
	}

}
