package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import dev.pgcdc.event.Source;
import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.RowMap;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.CdcTableNotFoundException;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGResultSetMetaData;
import org.postgresql.PGStatement;

/**
 * Reads one table in primary-key order, a chunk at a time, with a keyset query: the columns
 * and the key come from the catalog, identifiers are quoted, the last key of the previous chunk
 * is bound as text and cast to each key column's type, so composite, uuid, text (in the
 * column's collation) and negative keys order exactly as the primary-key index does. Values
 * are decoded by the stream's {@link TypeRegistry}, so a row read here equals the same row
 * decoded from the WAL: in binary format where pgjdbc sends it (the statement is server-prepared
 * from its first use; the connection asks binary only for types with a binary decoder) and the
 * registry has a binary decoder, which saves the server formatting and the client parsing of
 * numbers, timestamps and uuids; in text otherwise. Each key column is read a second time cast
 * to text, which is what the next chunk binds. The columns are those {@code pgoutput}
 * publishes: not dropped, not generated.
 */
final class KeysetReader {

	private static final String COLUMNS = """
			SELECT a.attname, a.atttypid, format_type(a.atttypid, a.atttypmod),
			       array_position(i.indkey::int2[], a.attnum)
			FROM pg_attribute a
			LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
			WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
			ORDER BY a.attnum""";

	private static final String ESTIMATE = """
			SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE pg_stat_get_live_tuples(c.oid) END
			FROM pg_class c WHERE c.oid = CAST(? AS regclass)""";

	private final TableName table;

	private final String[] names;

	private final int[] types;

	private final int[] keyIndexes;

	private final String[] keyNames;

	private final Source source;

	private final String firstChunk;

	private final String nextChunk;

	private final String firstRange;

	private final String nextRange;

	private final String firstBound;

	private final String nextBound;

	private final TypeRegistry registry;

	private KeysetReader(TableName table, String[] names, int[] types, String[] sqlTypes, int[] keyIndexes,
			Source source, TypeRegistry registry) {
		this.table = table;
		this.names = names;
		this.types = types;
		this.keyIndexes = keyIndexes;
		this.keyNames = new String[keyIndexes.length];
		for (int i = 0; i < keyIndexes.length; i++) {
			this.keyNames[i] = names[keyIndexes[i]];
		}
		this.source = source;
		this.registry = registry;
		StringJoiner select = new StringJoiner(", ", "SELECT ", " FROM " + table.quoted());
		for (String name : names) {
			select.add(TableName.quote(name));
		}
		for (int index : keyIndexes) {
			// the bound of the next chunk, as the server's text whatever format the column comes in
			select.add("CAST(" + TableName.quote(names[index]) + " AS text)");
		}
		StringJoiner order = new StringJoiner(", ", " ORDER BY ", "");
		StringJoiner keys = new StringJoiner(", ", "(", ")");
		StringJoiner bounds = new StringJoiner(", ", "(", ")");
		StringJoiner probe = new StringJoiner(", ", "SELECT ", " FROM " + table.quoted());
		StringJoiner probeOrder = new StringJoiner(", ", " ORDER BY ", " OFFSET ? LIMIT 1");
		for (int k = 0; k < keyIndexes.length; k++) {
			int index = keyIndexes[k];
			// by position: the key's text copy has the column's name too
			order.add(Integer.toString(index + 1));
			keys.add(TableName.quote(names[index]));
			bounds.add("CAST(? AS " + sqlTypes[index] + ")");
			probe.add(TableName.quote(names[index]));
			probeOrder.add(Integer.toString(k + 1));
		}
		for (int index : keyIndexes) {
			probe.add("CAST(" + TableName.quote(names[index]) + " AS text)");
		}
		String after = " WHERE " + keys + " > " + bounds;
		this.firstChunk = select + order.toString() + " LIMIT ?";
		this.nextChunk = select + after + order + " LIMIT ?";
		this.firstRange = select + " WHERE " + keys + " <= " + bounds + order;
		this.nextRange = select + after + " AND " + keys + " <= " + bounds + order;
		this.firstBound = probe + probeOrder.toString();
		this.nextBound = probe + after + probeOrder;
	}

	/**
	 * Look the table up in the catalog.
	 * @param connection a plain connection
	 * @param table the table
	 * @param registry decodes values
	 * @return a reader for it
	 * @throws CdcTableNotFoundException if it does not exist
	 * @throws CdcConfigurationException if it has no primary key
	 * @throws SQLException if the server fails
	 */
	static KeysetReader plan(Connection connection, TableName table, TypeRegistry registry) throws SQLException {
		List<String> names = new ArrayList<>();
		List<Integer> oids = new ArrayList<>();
		List<String> sqlTypes = new ArrayList<>();
		Map<Integer, Integer> keyByPosition = new java.util.TreeMap<>();
		try (PreparedStatement exists = connection.prepareStatement("SELECT to_regclass(?)")) {
			exists.setString(1, table.quoted());
			try (ResultSet row = exists.executeQuery()) {
				if (!row.next() || row.getString(1) == null) {
					throw new CdcTableNotFoundException(table, "Table " + table + " does not exist");
				}
			}
		}
		try (PreparedStatement statement = connection.prepareStatement(COLUMNS)) {
			statement.setString(1, table.quoted());
			try (ResultSet row = statement.executeQuery()) {
				while (row.next()) {
					names.add(row.getString(1));
					oids.add((int) row.getLong(2));
					sqlTypes.add(row.getString(3));
					int position = row.getInt(4);
					if (!row.wasNull()) {
						keyByPosition.put(position, names.size() - 1);
					}
				}
			}
		}
		if (keyByPosition.isEmpty()) {
			throw new CdcConfigurationException("Table " + table + " has no primary key: a snapshot reads it in key"
					+ " order, chunk by chunk. Add one (ALTER TABLE " + table.quoted() + " ADD PRIMARY KEY (...)), or"
					+ " leave it out of the initial snapshot with cdc.table." + table.name() + ".snapshot=false");
		}
		String version = "";
		String database = "";
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT current_setting('server_version'), current_database()");
				ResultSet row = statement.executeQuery()) {
			if (row.next()) {
				version = row.getString(1).split(" ", 2)[0];
				database = row.getString(2);
			}
		}
		Map<String, String> columns = new LinkedHashMap<>();
		int[] types = new int[oids.size()];
		for (int i = 0; i < types.length; i++) {
			types[i] = oids.get(i);
			columns.put(names.get(i), registry.typeName(types[i]));
		}
		int[] keyIndexes = keyByPosition.values().stream().mapToInt(Integer::intValue).toArray();
		Source source = new Source(Source.NAME, version, database, table.schema(), table.name(), columns);
		return new KeysetReader(table, names.toArray(new String[0]), types, sqlTypes.toArray(new String[0]),
				keyIndexes, source, registry);
	}

	/** @return the table */
	TableName table() {
		return this.table;
	}

	/** @return the primary-key columns, in key order */
	String[] keyColumns() {
		return this.keyNames;
	}

	/** @return the source of the table's snapshot events */
	Source source() {
		return this.source;
	}

	/**
	 * @param connection a plain connection
	 * @return the planner's estimate of the table's rows, {@code 0} when unknown
	 * @throws SQLException if the server fails
	 */
	long estimate(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(ESTIMATE)) {
			statement.setString(1, this.table.quoted());
			try (ResultSet row = statement.executeQuery()) {
				return row.next() ? Math.max(0, row.getLong(1)) : 0;
			}
		}
	}

	/**
	 * Read the next chunk, in one statement (its own snapshot, no lock beyond ACCESS SHARE).
	 * @param connection a connection in autocommit mode (see {@link ConnectionSource})
	 * @param after the key text of the previous chunk's last row, {@code null} for the first
	 * @param upTo the key text of the chunk's last row as found by {@link #bound}: the chunk is
	 * the rows after {@code after} up to it, whatever their number; {@code null} for the next
	 * {@code limit} rows
	 * @param limit the chunk size
	 * @return the rows in key order
	 * @throws SQLException if the server fails
	 */
	Chunk read(Connection connection, String @Nullable [] after, String @Nullable [] upTo, int limit)
			throws SQLException {
		List<SnapshotRow> rows = new ArrayList<>(Math.min(limit, 65_536));
		String @Nullable [] lastKey = after;
		String sql = (upTo != null) ? ((after == null) ? this.firstRange : this.nextRange)
				: (after == null) ? this.firstChunk : this.nextChunk;
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			// server-prepared from the first chunk on: only a named statement's results come in binary
			statement.unwrap(PGStatement.class).setPrepareThreshold(-1);
			int parameter = bind(statement, 1, after);
			if (upTo != null) {
				bind(statement, parameter, upTo);
			}
			else {
				statement.setInt(parameter, limit);
			}
			try (ResultSet result = statement.executeQuery()) {
				boolean[] binary = formats(result);
				int columns = this.names.length;
				String @Nullable [] keyText = null;
				while (result.next()) {
					byte[] @Nullable [] raw = new byte[columns][];
					for (int i = 0; i < columns; i++) {
						raw[i] = result.getBytes(i + 1);
					}
					@Nullable Object[] key = new Object[this.keyIndexes.length];
					for (int k = 0; k < this.keyIndexes.length; k++) {
						int index = this.keyIndexes[k];
						byte[] bytes = raw[index];
						key[k] = (bytes != null) ? decode(index, bytes, binary[index]) : null;
					}
					rows.add(new SnapshotRow(RowKey.of(key), raw, binary));
					if (upTo == null && result.isLast()) {
						keyText = keyText(result, columns);
					}
				}
				if (!rows.isEmpty()) {
					lastKey = (keyText != null) ? keyText : lastKey;
				}
			}
		}
		if (upTo != null) {
			return new Chunk(rows, upTo, false);
		}
		return new Chunk(rows, lastKey, rows.size() < limit);
	}

	/**
	 * Find where the next chunk ends without reading it: the key of the {@code rows}-th row after
	 * {@code after} (an index-only scan of the key), so another connection can read the chunk
	 * after it at the same time.
	 * @param connection a connection in autocommit mode
	 * @param after the key text of the previous chunk's last row, {@code null} for the first
	 * @param rows the chunk size
	 * @return the key text of that row, {@code null} when fewer rows follow (the next chunk is the last)
	 * @throws SQLException if the server fails
	 */
	String @Nullable [] bound(Connection connection, String @Nullable [] after, int rows) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement((after == null) ? this.firstBound : this.nextBound)) {
			int parameter = bind(statement, 1, after);
			statement.setInt(parameter, rows - 1);
			try (ResultSet result = statement.executeQuery()) {
				return result.next() ? keyText(result, this.keyIndexes.length) : null;
			}
		}
	}

	private static int bind(PreparedStatement statement, int first, String @Nullable [] key) throws SQLException {
		int parameter = first;
		if (key != null) {
			for (String column : key) {
				statement.setString(parameter++, column);
			}
		}
		return parameter;
	}

	/**
	 * Decode a row read by {@link #read}: on the delivery thread, at the chunk's high watermark,
	 * so the worker reads the next chunk from the server meanwhile.
	 * @param row the row
	 * @return its values by column, in table order, decoded as a change's are
	 */
	Map<String, @Nullable Object> values(SnapshotRow row) {
		byte[] @Nullable [] raw = row.raw();
		boolean[] binary = row.binary();
		@Nullable Object[] values = new Object[raw.length];
		for (int i = 0; i < raw.length; i++) {
			byte[] bytes = raw[i];
			values[i] = (bytes != null) ? decode(i, bytes, binary[i]) : null;
		}
		return new RowMap(this.names, values, values.length);
	}

	/** @return per table column, whether pgjdbc hands it over in binary format */
	private boolean[] formats(ResultSet result) throws SQLException {
		PGResultSetMetaData meta = result.getMetaData().unwrap(PGResultSetMetaData.class);
		boolean[] binary = new boolean[this.names.length];
		for (int i = 0; i < binary.length; i++) {
			binary[i] = meta.getFormat(i + 1) == 1;
			if (binary[i] && this.types[i] != TypeRegistry.BYTEA && !this.registry.supportsBinary(this.types[i])) {
				throw new IllegalStateException("Column " + this.names[i] + " of " + this.table + " (type oid "
						+ Integer.toUnsignedString(this.types[i]) + ") came in binary format, which pgcdc cannot decode:"
						+ " the snapshot connection must not ask binary results for it");
			}
		}
		return binary;
	}

	private String[] keyText(ResultSet result, int columns) throws SQLException {
		String[] text = new String[this.keyIndexes.length];
		for (int k = 0; k < text.length; k++) {
			String value = result.getString(columns + k + 1);
			if (value == null) {
				throw new IllegalStateException("A primary-key column of " + this.table + " is NULL");
			}
			text[k] = value;
		}
		return text;
	}

	private Object decode(int column, byte[] raw, boolean binary) {
		return this.registry.decodeRead(this.types[column], raw, binary, this.names[column], this.table);
	}

	/**
	 * One row as read, with its key: the values as the server sent them (bytea's decoded by
	 * pgjdbc), decoded by {@link #values} when delivered.
	 * @param key the primary key, decoded
	 * @param raw the columns' bytes, in table order, {@code null} for SQL NULL
	 * @param binary per column, whether its bytes are in binary format (shared by the chunk's rows)
	 */
	record SnapshotRow(RowKey key, byte[] @Nullable [] raw, boolean[] binary) {
	}

	/**
	 * @param rows the rows, in key order
	 * @param lastKey the key text of the last row (the previous bound when empty)
	 * @param last whether the table has no rows after these
	 */
	record Chunk(List<SnapshotRow> rows, String @Nullable [] lastKey, boolean last) {
	}

}
