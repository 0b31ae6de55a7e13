package dev.pgcdc.live;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import dev.pgcdc.event.TableName;
import org.jspecify.annotations.Nullable;

/**
 * The catalog facts a shape is checked against: columns (those {@code pgoutput} publishes),
 * their types, the primary key, the replica identity and whether the application's user may
 * read the table. Cached a few seconds per table, so a burst of subscriptions costs one look-up.
 */
final class TableCatalog {

	private static final String COLUMNS = """
			SELECT a.attname, a.atttypid, format_type(a.atttypid, a.atttypmod),
			       array_position(i.indkey::int2[], a.attnum), c.relreplident::text,
			       has_table_privilege(c.oid, 'SELECT'), t.typtype::text, t.typbasetype, c.relkind::text
			FROM pg_class c
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
			JOIN pg_type t ON t.oid = a.atttypid
			LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
			WHERE c.oid = to_regclass(?)
			ORDER BY a.attnum""";

	private static final Duration TTL = Duration.ofSeconds(5);

	private final DataSource dataSource;

	private final Map<TableName, Cached> cache = new ConcurrentHashMap<>();

	TableCatalog(DataSource dataSource) {
		this.dataSource = dataSource;
	}

	/**
	 * @param table a table
	 * @return its description
	 * @throws IllegalArgumentException if it does not exist, is not a table, has no primary key
	 * or may not be read
	 */
	TableMeta lookup(TableName table) {
		Cached cached = this.cache.get(table);
		long now = System.nanoTime();
		if (cached != null && now - cached.loadedAt < TTL.toNanos()) {
			return cached.meta;
		}
		TableMeta meta = load(table);
		this.cache.put(table, new Cached(meta, now));
		return meta;
	}

	void evict(TableName table) {
		this.cache.remove(table);
	}

	private TableMeta load(TableName table) {
		List<String> names = new ArrayList<>();
		List<Integer> oids = new ArrayList<>();
		List<String> sqlTypes = new ArrayList<>();
		List<Boolean> enums = new ArrayList<>();
		Map<Integer, String> keys = new TreeMap<>();
		char identity = 'd';
		boolean readable = false;
		String kind = "r";
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(COLUMNS)) {
			statement.setString(1, table.quoted());
			try (ResultSet row = statement.executeQuery()) {
				while (row.next()) {
					names.add(row.getString(1));
					String typtype = row.getString(7);
					long oid = row.getLong(2);
					// a domain compares as its base type
					if ("d".equals(typtype)) {
						oid = row.getLong(8);
					}
					oids.add((int) oid);
					sqlTypes.add(row.getString(3));
					enums.add("e".equals(typtype));
					int keyPosition = row.getInt(4);
					if (!row.wasNull()) {
						keys.put(keyPosition, row.getString(1));
					}
					identity = row.getString(5).charAt(0);
					readable = row.getBoolean(6);
					kind = row.getString(9);
				}
			}
		}
		catch (SQLException ex) {
			if ("42501".equals(ex.getSQLState())) {
				throw new IllegalArgumentException("The application may not read table " + table + ": " + ex.getMessage(),
						ex);
			}
			throw new IllegalStateException("Cannot look table " + table + " up in the catalog: " + ex.getMessage(), ex);
		}
		if (names.isEmpty()) {
			throw new IllegalArgumentException("Table " + table + " does not exist (or has no columns)");
		}
		if (!"r".equals(kind) && !"p".equals(kind)) {
			throw new IllegalArgumentException(table + " is not a table: live queries follow tables only");
		}
		if (!readable) {
			throw new IllegalArgumentException("The application may not read table " + table
					+ ": grant it SELECT on the table, or do not offer this shape");
		}
		if (keys.isEmpty()) {
			throw new IllegalArgumentException("Table " + table + " has no primary key: a live query identifies rows by"
					+ " it. Add one (ALTER TABLE " + table.quoted() + " ADD PRIMARY KEY (...))");
		}
		int[] types = oids.stream().mapToInt(Integer::intValue).toArray();
		boolean[] isEnum = new boolean[enums.size()];
		for (int i = 0; i < isEnum.length; i++) {
			isEnum[i] = enums.get(i);
		}
		return new TableMeta(table, names.toArray(new String[0]), types, sqlTypes.toArray(new String[0]), isEnum,
				List.copyOf(keys.values()), identity);
	}

	private record Cached(TableMeta meta, long loadedAt) {
	}

	/**
	 * @param table the table
	 * @param names the columns, in table order
	 * @param types each column's type OID (a domain's base type)
	 * @param sqlTypes each column's type as SQL ({@code format_type})
	 * @param enums whether each column is of an enum type
	 * @param key the primary-key columns, in key order
	 * @param replicaIdentity {@code pg_class.relreplident}: {@code f}ull, {@code d}efault,
	 * {@code i}ndex, {@code n}othing
	 */
	record TableMeta(TableName table, String[] names, int[] types, String[] sqlTypes, boolean[] enums, List<String> key,
			char replicaIdentity) {

		int indexOf(String column) {
			for (int i = 0; i < this.names.length; i++) {
				if (this.names[i].equals(column)) {
					return i;
				}
			}
			return -1;
		}

		@Nullable String describeColumns() {
			return String.join(", ", this.names);
		}

	}

}
