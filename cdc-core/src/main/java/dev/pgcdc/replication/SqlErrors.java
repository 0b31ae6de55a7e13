package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.SQLException;

import org.jspecify.annotations.Nullable;

/**
 * Sorts server errors into what retrying may fix (connection trouble) and what it cannot
 * (configuration), and words the latter as a fix.
 */
final class SqlErrors {

	/** {@code object_in_use}: the slot is active for another process. */
	static final String OBJECT_IN_USE = "55006";

	private SqlErrors() {
	}

	/**
	 * @param ex an error
	 * @return whether it means the server could not be reached or went away
	 */
	static boolean isConnectionProblem(SQLException ex) {
		String state = ex.getSQLState();
		if (state == null) {
			return ex.getCause() instanceof java.io.IOException;
		}
		// 08: connection exception; 57P0x: shutdown, crash, starting up; 53: out of resources
		return state.startsWith("08") || state.startsWith("57P") || state.startsWith("53");
	}

	/**
	 * @param ex an error
	 * @return whether it says a replication slot is in use by another process
	 */
	static boolean isSlotInUse(SQLException ex) {
		return OBJECT_IN_USE.equals(ex.getSQLState());
	}

	/**
	 * @param ex an error that is not a connection problem
	 * @param settings the stream's settings, for the message
	 * @param during what was being done
	 * @return the error as a configuration problem with a fix, if it is one
	 */
	static @Nullable CdcConfigurationException explain(SQLException ex, StreamSettings settings, String during) {
		String state = (ex.getSQLState() != null) ? ex.getSQLState() : "";
		String target = settings.describe();
		String message = ex.getMessage();
		if (state.equals("28P01")) {
			return new CdcConfigurationException("Cannot log in to " + target + " " + during + ": " + message
					+ ". Check the username and password (cdc.username / cdc.password).", ex);
		}
		if (state.equals("28000")) {
			boolean replication = message != null && message.contains("replication");
			return new CdcConfigurationException("The server refused the connection to " + target + " " + during + ": "
					+ message + (replication ? ". Allow replication connections for this user in pg_hba.conf (a line"
							+ " such as: host replication <user> <client address> scram-sha-256) and reload PostgreSQL."
							: ". Check pg_hba.conf and that the role may log in."),
					ex);
		}
		if (state.equals("3D000")) {
			return new CdcConfigurationException("The database in " + target + " does not exist: " + message, ex);
		}
		if (state.equals("42501")) {
			return new CdcConfigurationException("Insufficient privilege " + during + " on " + target + ": " + message,
					ex);
		}
		if (state.equals("42704") || state.equals("55000")) {
			return new CdcConfigurationException("The server refused to stream (" + during + "): " + message
					+ ". If a durable replication slot was dropped, starting the stream again creates it anew"
					+ " (changes made in between are not delivered).", ex);
		}
		return null;
	}

}
