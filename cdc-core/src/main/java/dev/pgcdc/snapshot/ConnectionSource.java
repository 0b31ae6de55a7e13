package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Opens a plain connection (autocommit) for snapshot reads and watermarks; its server-prepared
 * statements may return binary results for the types the stream has binary decoders for.
 */
@FunctionalInterface
public interface ConnectionSource {

	/**
	 * @return a new connection, which the caller closes
	 * @throws SQLException if connecting fails
	 */
	Connection open() throws SQLException;

}
