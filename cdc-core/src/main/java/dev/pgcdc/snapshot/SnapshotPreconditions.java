package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import dev.pgcdc.event.TableName;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.CdcTableNotFoundException;
import dev.pgcdc.types.TypeRegistry;

/**
 * What a snapshot needs from the server before it is queued: PostgreSQL 14 or later (pgoutput
 * sends logical messages, the watermarks, from 14 on), the right to write the watermark, and
 * for every table a primary key to chunk it by.
 */
final class SnapshotPreconditions {

	private static final String SERVER = "SELECT current_setting('server_version_num')::int,"
			+ " (SELECT coalesce(bool_or(has_function_privilege(p.oid, 'EXECUTE')), false) FROM pg_proc p"
			+ " WHERE p.proname = 'pg_logical_emit_message' AND p.pronamespace = 'pg_catalog'::regnamespace"
			+ " AND p.proargtypes[2] = 'text'::regtype), current_user";

	private SnapshotPreconditions() {
	}

	/**
	 * @param connection a plain connection
	 * @param tables the tables to snapshot
	 * @param types the stream's type registry
	 * @throws CdcConfigurationException if the server is too old, the user may not write the
	 * watermark, or a table has no primary key
	 * @throws CdcTableNotFoundException if a table does not exist
	 * @throws SQLException if the server fails
	 */
	static void check(Connection connection, List<TableName> tables, TypeRegistry types) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(SERVER); ResultSet row = statement.executeQuery()) {
			row.next();
			if (row.getInt(1) < 140000) {
				throw new CdcConfigurationException("Snapshots need PostgreSQL 14 or later: their watermarks are"
						+ " logical messages, which pgoutput sends from 14 on");
			}
			if (!row.getBoolean(2)) {
				throw new CdcConfigurationException("User " + row.getString(3) + " may not write the snapshot"
						+ " watermark (pg_logical_emit_message): GRANT EXECUTE ON FUNCTION"
						+ " pg_logical_emit_message(boolean, text, text) TO " + row.getString(3));
			}
		}
		for (TableName table : tables) {
			KeysetReader.plan(connection, table, types);
		}
	}

}
