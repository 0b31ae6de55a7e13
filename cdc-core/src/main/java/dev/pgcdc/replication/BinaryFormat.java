package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.types.TypeRegistry;

/**
 * Decides whether a session may ask {@code pgoutput} for binary values ({@code binary 'true'},
 * PostgreSQL 14+): only when every column of every published table has a binary decoder,
 * because the server then sends every value in binary.
 */
final class BinaryFormat {

	private static final String COLUMN_TYPES = """
			SELECT DISTINCT a.atttypid::int8 FROM pg_publication_tables p
			JOIN pg_namespace n ON n.nspname = p.schemaname
			JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
			JOIN pg_attribute a ON a.attrelid = c.oid
			WHERE p.pubname = ? AND a.attnum > 0 AND NOT a.attisdropped""";

	/** A Relation arrived with a column whose binary values cannot be decoded. */
	static final class UnsupportedColumnException extends RuntimeException {

		UnsupportedColumnException(String message) {
			super(message);
		}

	}

	private BinaryFormat() {
	}

	/**
	 * @param connection a plain connection
	 * @param publication the publication
	 * @param types the type registry
	 * @return whether every published column type has a binary decoder
	 * @throws SQLException if the catalog cannot be read
	 */
	static boolean usable(Connection connection, String publication, TypeRegistry types) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(COLUMN_TYPES)) {
			statement.setString(1, publication);
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					if (!types.supportsBinary((int) rows.getLong(1))) {
						return false;
					}
				}
			}
		}
		return true;
	}

	/**
	 * Check a table described on a binary session (a column may have been added since it started).
	 * @param relation the Relation message
	 * @param types the type registry
	 * @throws UnsupportedColumnException if a column's binary values cannot be decoded
	 */
	static void check(Relation relation, TypeRegistry types) {
		for (Relation.Column column : relation.columns()) {
			if (!types.supportsBinary(column.typeOid())) {
				throw new UnsupportedColumnException("Column " + relation.namespace() + "." + relation.name() + "."
						+ column.name() + " has type " + types.typeName(column.typeOid())
						+ ", which has no binary decoder; reconnecting in text format");
			}
		}
	}

}
