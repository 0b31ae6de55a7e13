package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgcdc.dispatch.PartitionedDispatcher;
import dev.pgcdc.event.TableName;
import dev.pgcdc.stream.DatabaseUnavailableException;
import org.jspecify.annotations.Nullable;

/**
 * The primary-key columns of the tables a stream delivers (the replica identity index when a
 * table has no primary key), read from the catalog on a table's first event and kept: what
 * parallel dispatch partitions by.
 */
final class CatalogKeyColumns implements PartitionedDispatcher.KeyColumns {

	private static final String KEY = """
			SELECT a.attname
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_index i ON i.indexrelid = (
			    SELECT x.indexrelid FROM pg_index x WHERE x.indrelid = c.oid AND (x.indisprimary OR x.indisreplident)
			    ORDER BY x.indisprimary DESC LIMIT 1)
			JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
			WHERE n.nspname = ? AND c.relname = ?
			ORDER BY k.ord""";

	private final Map<TableName, List<String>> keys = new ConcurrentHashMap<>();

	private volatile @Nullable ConnectionFactory connections;

	/** @param connections the stream's connections, once it exists */
	void attach(ConnectionFactory connections) {
		this.connections = connections;
	}

	@Override
	public List<String> of(TableName table) {
		List<String> key = this.keys.get(table);
		if (key == null) {
			key = read(table);
			this.keys.put(table, key);
		}
		return key;
	}

	private List<String> read(TableName table) {
		ConnectionFactory factory = this.connections;
		if (factory == null) {
			throw new IllegalStateException("Not attached to a stream");
		}
		try (Connection connection = factory.admin(); PreparedStatement statement = connection.prepareStatement(KEY)) {
			statement.setString(1, table.schema());
			statement.setString(2, table.name());
			List<String> columns = new ArrayList<>();
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					columns.add(rows.getString(1));
				}
			}
			return List.copyOf(columns);
		}
		catch (SQLException ex) {
			// the transaction is not acknowledged; the stream reconnects and delivers it again
			throw new DatabaseUnavailableException("Cannot read the primary key of " + table
					+ " to partition its events (cdc.dispatch.concurrency): " + ex.getMessage(), ex);
		}
	}

}
