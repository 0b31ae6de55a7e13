package dev.pgcdc.types;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The oracle without replication: for each column of {@link TypeFixture}, the exact text the
 * type's output function prints (what {@code pgoutput} sends in text mode) and the bytes its
 * send function writes (binary mode) are decoded by the registry and compared with pgjdbc's
 * {@code getObject} on the same row. {@link WalTypeFidelityTests} does the same on real WAL.
 */
class TypeFidelityTests {

	private static TestDatabase database;

	private static List<FixtureColumn> columns;

	private static TypeRegistry registry;

	@BeforeAll
	static void createTable() throws SQLException {
		database = TestPostgres.createDatabase("types_fidelity");
		TypeFixture.createSchema(database);
		database.execute(TypeFixture.inserts().toArray(String[]::new));
		columns = FixtureColumn.read(database);
		registry = new TypeRegistry(new JdbcTypeCatalog(FixtureColumn.connections(database)));
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void textAndBinaryValuesDecodeAsPgjdbcReturnsThem() throws SQLException {
		List<String> mismatches = new ArrayList<>();
		int compared = 0;
		int comparedBinary = 0;
		try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
			// an odd time zone: offsets with seconds before 1900 (LMT) must parse too
			statement.execute("SET TIME ZONE 'Europe/Amsterdam'");
			for (FixtureColumn column : columns) {
				boolean binary = registry.supportsBinary(column.oid());
				String sql = "SELECT id, " + column.quoted() + ", " + column.quoted() + " IS NULL, format('%s', "
						+ column.quoted() + ")"
						+ (binary ? ", " + column.send() + "(" + column.quoted() + ")" : "") + " FROM everything ORDER BY id";
				try (ResultSet rows = statement.executeQuery(sql)) {
					while (rows.next()) {
						if (rows.getBoolean(3)) {
							continue;
						}
						String text = rows.getString(4);
						Object expected = JdbcExpectations.expectedOrFailure(rows, 2, column.baseTypeName());
						String where = column.name() + " row " + rows.getInt(1);
						Object actual = decode(column, false, text.getBytes(StandardCharsets.UTF_8), where, mismatches);
						compare(where + " text '" + abbreviate(text) + "'", expected, actual, mismatches);
						if (binary) {
							Object fromBinary = decode(column, true, rows.getBytes(5), where, mismatches);
							compare(where + " binary", actual, fromBinary, mismatches);
							comparedBinary++;
						}
						compared++;
					}
				}
			}
		}
		assertThat(compared).isGreaterThan(120);
		assertThat(comparedBinary).isGreaterThan(80);
		assertThat(keys(mismatches)).as("values that differ from pgjdbc: %s", mismatches)
			.containsExactlyInAnyOrderElementsOf(KnownDifferences.TEXT.keySet());
	}

	@Test
	void byteaInEscapeOutputDecodesToTheSameBytes() throws SQLException {
		List<String> mismatches = new ArrayList<>();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
			statement.execute("SET bytea_output = escape");
			try (ResultSet rows = statement.executeQuery("SELECT id, c_bytea, format('%s', c_bytea), c_bytea_arr,"
					+ " format('%s', c_bytea_arr) FROM everything WHERE c_bytea IS NOT NULL ORDER BY id")) {
				int count = 0;
				while (rows.next()) {
					compare("c_bytea row " + rows.getInt(1), rows.getBytes(2),
							text(17, rows.getBytes(3)), mismatches);
					if (rows.getObject(4) != null) {
						compare("c_bytea_arr row " + rows.getInt(1),
								JdbcExpectations.expected(rows, 4, "_bytea"),
								text(1001, rows.getBytes(5)), mismatches);
					}
					count++;
				}
				assertThat(count).isEqualTo(2);
			}
		}
		assertThat(mismatches).isEmpty();
	}

	private static Object decode(FixtureColumn column, boolean binary, byte[] bytes, String where,
			List<String> failures) {
		try {
			return registry.decode(column.oid(), bytes, 0, bytes.length, binary);
		}
		catch (RuntimeException ex) {
			failures.add(where + " (" + (binary ? "binary" : "text") + "): " + ex);
			return ex;
		}
	}

	private static Object text(int typeOid, byte[] bytes) {
		return registry.decode(typeOid, bytes, 0, bytes.length, false);
	}

	/** @return each mismatch's "column row n" */
	static List<String> keys(List<String> mismatches) {
		List<String> keys = new ArrayList<>();
		for (String mismatch : mismatches) {
			String[] words = mismatch.split(" ", 4);
			String key = words[0] + " " + words[1] + " " + words[2];
			if (!keys.contains(key)) {
				keys.add(key);
			}
		}
		return keys;
	}

	static void compare(String where, Object expected, Object actual, List<String> mismatches) {
		if (!JdbcExpectations.same(expected, actual)) {
			mismatches.add(where + ": pgjdbc " + JdbcExpectations.describe(expected) + " vs ours "
					+ JdbcExpectations.describe(actual));
		}
	}

	private static String abbreviate(String text) {
		return (text.length() > 40) ? text.substring(0, 40) + "..." : text;
	}

}
