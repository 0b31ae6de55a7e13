package dev.pgcdc.kafka;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgcdc.event.TableName;
import dev.pgcdc.snapshot.ConnectionSource;
import dev.pgcdc.stream.DatabaseUnavailableException;

/**
 * The primary-key columns of each relayed table, in key order, looked up in the catalog the
 * first time the table is relayed and kept for the life of the relay (a changed primary key is
 * seen after a restart). The replica identity does not tell: under {@code FULL} every column is
 * flagged as key.
 */
final class PrimaryKeys {

	private static final String QUERY = """
			SELECT a.attname
			FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
			WHERE i.indrelid = to_regclass(?) AND i.indisprimary
			ORDER BY array_position(i.indkey::int2[], a.attnum)""";

	private final ConnectionSource connections;

	private final Map<TableName, List<String>> keys = new ConcurrentHashMap<>();

	PrimaryKeys(ConnectionSource connections) {
		this.connections = connections;
	}

	/**
	 * @param table a table
	 * @return its primary-key columns, empty if it has none
	 * @throws DatabaseUnavailableException if the catalog cannot be read
	 */
	List<String> columns(TableName table) {
		List<String> known = this.keys.get(table);
		if (known != null) {
			return known;
		}
		List<String> columns = lookUp(table);
		this.keys.put(table, columns);
		return columns;
	}

	private List<String> lookUp(TableName table) {
		try (Connection connection = this.connections.open();
				PreparedStatement statement = connection.prepareStatement(QUERY)) {
			statement.setString(1, table.quoted());
			List<String> columns = new ArrayList<>();
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					columns.add(rows.getString(1));
				}
			}
			return List.copyOf(columns);
		}
		catch (SQLException ex) {
			throw new DatabaseUnavailableException("Could not read the primary key of " + table + " for the Kafka relay", ex);
		}
	}

}
