package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.Properties;

import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

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
	 * Name the server and the cause of a network failure while connecting: pgjdbc reports an
	 * unknown host, a timeout or a reset only as "The connection attempt failed.", and that is
	 * what the stream's status, its log and its last error would show.
	 * @param ex what connecting threw
	 * @param url the JDBC URL (only its hosts, ports and database are named, never its parameters)
	 * @return an error with the same SQLState whose message names the server and the cause, or
	 * {@code ex} itself when the network did not fail
	 */
	static SQLException explainConnectFailure(SQLException ex, String url) {
		if (!(ex.getCause() instanceof IOException cause) || !isConnectionProblem(ex)) {
			return ex;
		}
		return new SQLException("Cannot connect to " + server(url) + ": " + describe(cause), ex.getSQLState(), ex);
	}

	private static String describe(IOException cause) {
		String message = (cause.getMessage() != null) ? cause.getMessage() : "";
		if (cause instanceof UnknownHostException) {
			// the message is the host, sometimes followed by the resolver's reason
			int colon = message.indexOf(':');
			String host = (colon > 0) ? message.substring(0, colon) : message;
			return "unknown host " + host + ". Check the host name in the JDBC URL and that this machine can resolve"
					+ " it (DNS, /etc/hosts)";
		}
		if (cause instanceof ConnectException) {
			return "connection refused. Check the host and port in the JDBC URL and that PostgreSQL is running"
					+ " there and accepts TCP/IP connections (listen_addresses)";
		}
		if (cause instanceof NoRouteToHostException) {
			return "no route to host. Check the host in the JDBC URL and the network (a firewall?)";
		}
		if (cause instanceof SocketTimeoutException) {
			return "no answer in time (" + message + "). Check the host and port in the JDBC URL and that no"
					+ " firewall drops the connection";
		}
		return cause.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
	}

	/** @return {@code host:port/database} for each host of the URL */
	private static String server(String url) {
		Properties parsed = Driver.parseURL(url, null);
		if (parsed == null) {
			int query = url.indexOf('?');
			return (query >= 0) ? url.substring(0, query) : url;
		}
		String[] hosts = PGProperty.PG_HOST.getOrDefault(parsed).split(",");
		String[] ports = PGProperty.PG_PORT.getOrDefault(parsed).split(",");
		StringBuilder server = new StringBuilder();
		for (int i = 0; i < hosts.length; i++) {
			server.append((i > 0) ? ", " : "").append(hosts[i]).append(':').append(ports[Math.min(i, ports.length - 1)]);
		}
		return server.append('/').append(PGProperty.PG_DBNAME.getOrDefault(parsed)).toString();
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
