package dev.pgcdc.replication;

import dev.pgcdc.stream.TableInfo;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.CdcTableNotFoundException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.TableName;
import org.jspecify.annotations.Nullable;

/**
 * Finds subscribed tables in the catalog: that each exists and is a table that can be
 * published (a permanent, logged, user table, and so are its partitions), its columns and their
 * types in table order (named as {@code TypeRegistry#typeName} names them: {@code typname},
 * schema-qualified outside {@code pg_catalog} and {@code public}), its owner and replica identity.
 * Everything is checked here, before the stream changes anything on the server, so a table that
 * cannot be published leaves no replica identity set and no publication altered.
 */
final class TableResolver {

	// FirstNormalObjectId: relations below it were made by initdb (pg_catalog, information_schema),
	// and PostgreSQL publishes none of them
	private static final String TABLE = """
			SELECT c.oid, c.relkind, c.relreplident, pg_get_userbyid(c.relowner),
			       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
			       c.relpersistence, pg_has_role(c.relowner, 'USAGE'), c.oid < 16384
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = ? AND c.relname = ?""";

	private static final String COLUMNS = """
			SELECT a.attname, CASE WHEN tn.nspname IN ('pg_catalog', 'public') THEN t.typname
			                       ELSE tn.nspname || '.' || t.typname END
			FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
			WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""";

	private static final String PARTITIONS = """
			SELECT n.nspname, c.relname FROM pg_partition_tree(?::regclass) p
			JOIN pg_class c ON c.oid = p.relid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE p.isleaf ORDER BY 1, 2""";

	private static final String ELSEWHERE = """
			SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE lower(c.relname) = lower(?) AND c.relkind IN ('r', 'p') ORDER BY 1, 2 LIMIT 5""";

	private TableResolver() {
	}

	/**
	 * A table as found in the catalog, with what replica identity and ownership checks need.
	 *
	 * @param info the table and its columns
	 * @param replicaIdentity {@code relreplident}: {@code d}efault, {@code f}ull, {@code n}othing, {@code i}ndex
	 * @param owner the owning role
	 * @param owned whether the current user has the owner's privileges (may alter it and publish it)
	 * @param hasPrimaryKey whether the table has a primary key
	 * @param partitions the leaf partitions of a partitioned table (they hold the rows), else empty
	 */
	record ResolvedTable(TableInfo info, char replicaIdentity, String owner, boolean owned, boolean hasPrimaryKey,
			List<ResolvedTable> partitions) {

		TableName name() {
			return this.info.name();
		}

		/** @return this table and its leaf partitions: every relation whose replica identity counts */
		List<ResolvedTable> withPartitions() {
			List<ResolvedTable> all = new ArrayList<>();
			all.add(this);
			all.addAll(this.partitions);
			return all;
		}

	}

	/**
	 * @param connection a plain connection
	 * @param tables the tables to find
	 * @return each table as found
	 * @throws SQLException if the catalog cannot be read
	 * @throws CdcConfigurationException naming a table that does not exist or cannot be published
	 */
	static List<ResolvedTable> resolve(Connection connection, Iterable<TableName> tables) throws SQLException {
		List<ResolvedTable> resolved = new ArrayList<>();
		for (TableName table : tables) {
			resolved.add(resolve(connection, table));
		}
		return resolved;
	}

	/**
	 * @param connection a plain connection
	 * @param table the table to find
	 * @return the table as found
	 * @throws SQLException if the catalog cannot be read
	 * @throws CdcConfigurationException if it does not exist or cannot be published
	 */
	static ResolvedTable resolve(Connection connection, TableName table) throws SQLException {
		return resolve(connection, table, null);
	}

	/**
	 * @param partitionOf the partitioned table when {@code table} is one of its partitions
	 */
	private static ResolvedTable resolve(Connection connection, TableName table, @Nullable TableName partitionOf)
			throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(TABLE)) {
			statement.setString(1, table.schema());
			statement.setString(2, table.name());
			try (ResultSet row = statement.executeQuery()) {
				if (!row.next()) {
					throw new CdcTableNotFoundException(table, missing(connection, table));
				}
				long oid = row.getLong(1);
				String kind = row.getString(2);
				checkPublishable(table, partitionOf, kind, row.getString(6), row.getBoolean(8));
				boolean partitioned = "p".equals(kind);
				TableInfo info = new TableInfo(table, columns(connection, oid));
				return new ResolvedTable(info, row.getString(3).charAt(0), row.getString(4), row.getBoolean(7),
						row.getBoolean(5), partitioned ? partitions(connection, table) : List.of());
			}
		}
	}

	/**
	 * Refuse what {@code CREATE PUBLICATION} refuses, and unlogged partitions, whose changes no
	 * publication would ever see.
	 */
	private static void checkPublishable(TableName table, @Nullable TableName partitionOf, String kind,
			String persistence, boolean system) {
		String subject = "Cannot subscribe to " + table
				+ ((partitionOf != null) ? " (a partition of " + partitionOf + ")" : "");
		if (!"r".equals(kind) && !"p".equals(kind)) {
			throw new CdcConfigurationException(subject + ": it is a " + describeKind(kind)
					+ ", not a table. Only tables can be published for logical replication.");
		}
		if (system) {
			throw new CdcConfigurationException(subject + ": it is a system table, and PostgreSQL publishes no"
					+ " system table for logical replication. Subscribe to tables of your own.");
		}
		if ("u".equals(persistence)) {
			throw new CdcConfigurationException(subject + ": it is an unlogged table, whose changes are not written"
					+ " to the WAL, so logical replication cannot see them. Make it logged (ALTER TABLE " + table.quoted()
					+ " SET LOGGED;) or do not subscribe to it.");
		}
		if ("t".equals(persistence)) {
			throw new CdcConfigurationException(subject + ": it is a temporary table, which only the session that"
					+ " created it can see and which is not written to the WAL. Subscribe to a permanent table.");
		}
	}

	/**
	 * The leaf partitions of a partitioned table: their replica identity is what the WAL records.
	 * @param connection a plain connection
	 * @param table a partitioned table
	 * @return its leaf partitions as found
	 * @throws SQLException if the catalog cannot be read
	 */
	private static List<ResolvedTable> partitions(Connection connection, TableName table) throws SQLException {
		List<TableName> leaves = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement(PARTITIONS)) {
			statement.setString(1, table.quoted());
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					leaves.add(new TableName(rows.getString(1), rows.getString(2)));
				}
			}
		}
		List<ResolvedTable> resolved = new ArrayList<>();
		for (TableName leaf : leaves) {
			resolved.add(resolve(connection, leaf, table));
		}
		return resolved;
	}

	private static Map<String, String> columns(Connection connection, long oid) throws SQLException {
		Map<String, String> columns = new LinkedHashMap<>();
		try (PreparedStatement statement = connection.prepareStatement(COLUMNS)) {
			statement.setLong(1, oid);
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					columns.put(rows.getString(1), rows.getString(2));
				}
			}
		}
		return columns;
	}

	private static String missing(Connection connection, TableName table) throws SQLException {
		List<String> candidates = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement(ELSEWHERE)) {
			statement.setString(1, table.name());
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					candidates.add(new TableName(rows.getString(1), rows.getString(2)).toString());
				}
			}
		}
		String database = connection.getCatalog();
		return "Table " + table + " does not exist in database " + database + " (looked for schema '"
				+ table.schema() + "', table '" + table.name() + "'). Check the spelling, the schema (a name without"
				+ " one means public), double quotes for mixed-case names (\"MyTable\"), that the table was created"
				+ " before the stream starts, and that the user may see it."
				+ (candidates.isEmpty() ? "" : " Tables with a similar name: " + String.join(", ", candidates) + ".");
	}

	private static String describeKind(String kind) {
		switch (kind) {
			case "v":
				return "view";
			case "m":
				return "materialized view";
			case "f":
				return "foreign table";
			case "S":
				return "sequence";
			case "i":
			case "I":
				return "index";
			default:
				return "relation of kind '" + kind + "'";
		}
	}

}
