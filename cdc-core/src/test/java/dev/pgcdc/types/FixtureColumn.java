package dev.pgcdc.types;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import dev.pgcdc.test.TestDatabase;

/**
 * A column of the fixture table as the catalog describes it.
 * @param name the column name
 * @param oid its type OID ({@code atttypid}: the domain, not its base)
 * @param typmod its type modifier
 * @param send the type's send function
 * @param baseTypeName the name of the type, or of a domain's base type
 */
record FixtureColumn(String name, int oid, int typmod, String send, String baseTypeName) {

	String quoted() {
		return "\"" + this.name + "\"";
	}

	static List<FixtureColumn> read(TestDatabase database) throws SQLException {
		List<FixtureColumn> columns = new ArrayList<>();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT a.attname, a.atttypid::int8, a.atttypmod, t.typsend::text,"
						+ " coalesce(b.typname, t.typname) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
						+ " LEFT JOIN pg_type b ON b.oid = t.typbasetype"
						+ " WHERE a.attrelid = 'everything'::regclass AND a.attnum > 1 AND NOT a.attisdropped"
						+ " ORDER BY a.attnum")) {
			while (rows.next()) {
				columns.add(new FixtureColumn(rows.getString(1), (int) rows.getLong(2), rows.getInt(3), rows.getString(4),
						rows.getString(5)));
			}
		}
		return columns;
	}

	static Supplier<Connection> connections(TestDatabase database) {
		return () -> {
			try {
				return database.connect();
			}
			catch (SQLException ex) {
				throw new IllegalStateException(ex);
			}
		};
	}

}
