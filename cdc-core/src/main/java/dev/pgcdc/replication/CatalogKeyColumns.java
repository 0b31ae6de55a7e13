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
import dev.pgcdc.stream.TableKeys;
import org.jspecify.annotations.Nullable;

/**
 * The key columns of the tables a stream delivers, read from the catalog over the stream's
 * connections on a table's first event and kept: the primary key (what relays key records by)
 * and, for a table without one, the replica identity index (what parallel dispatch partitions by).
 */
final class CatalogKeyColumns implements PartitionedDispatcher.KeyColumns, TableKeys {

	private static final String KEY = """
			SELECT a.attname, i.indisprimary
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_index i ON i.indexrelid = (
			    SELECT x.indexrelid FROM pg_index x WHERE x.indrelid = c.oid AND (x.indisprimary OR x.indisreplident)
			    ORDER BY x.indisprimary DESC LIMIT 1)
			JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
			WHERE n.nspname = ? AND c.relname = ?
			ORDER BY k.ord""";

	private final Map<TableName, Key> keys = new ConcurrentHashMap<>();

	/** A table's key index: its columns, whether it is the primary key (else the replica identity index). */
	private record Key(List<String> columns, boolean primary) {
	}

	private volatile @Nullable ConnectionFactory connections;

	/** @param connections the stream's connections, once it exists */
	void attach(ConnectionFactory connections) {
		this.connections = connections;
	}

	@Override
	public List<String> of(TableName table) {
		return key(table).columns();
	}

	@Override
	public List<String> primaryKey(TableName table) {
		Key key = key(table);
		return key.primary() ? key.columns() : List.of();
	}

	private Key key(TableName table) {
		Key key = this.keys.get(table);
		if (key == null) {
			key = read(table);
			this.keys.put(table, key);
		}
		return key;
	}

	private Key read(TableName table) {
		ConnectionFactory factory = this.connections;
		if (factory == null) {
			throw new IllegalStateException("Not attached to a stream");
		}
		try (Connection connection = factory.admin(); PreparedStatement statement = connection.prepareStatement(KEY)) {
			statement.setString(1, table.schema());
			statement.setString(2, table.name());
			List<String> columns = new ArrayList<>();
			boolean primary = false;
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					columns.add(rows.getString(1));
					primary = rows.getBoolean(2);
				}
			}
			return new Key(List.copyOf(columns), primary);
		}
		catch (SQLException ex) {
			// the transaction is not acknowledged; the stream reconnects and delivers it again
			throw new DatabaseUnavailableException("Cannot read the primary key of " + table + " from the catalog: "
					+ ex.getMessage(), ex);
		}
	}

}
