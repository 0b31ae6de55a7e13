package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.SQLException;

/** Opens a plain connection (autocommit, text result format) for snapshot reads and watermarks. */
@FunctionalInterface
public interface ConnectionSource {

	/**
	 * @return a new connection, which the caller closes
	 * @throws SQLException if connecting fails
	 */
	Connection open() throws SQLException;

}
