package dev.pgcdc.types;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.pgcdc.pgoutput.PgOutputDecoder;
import dev.pgcdc.pgoutput.PgOutputMessage;
import dev.pgcdc.pgoutput.TupleData;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The oracle on real WAL: the fixture rows are inserted under a {@code pgoutput} slot, their
 * Insert messages read with {@code pg_logical_slot_get_binary_changes} (text mode with protocol
 * 1, binary mode with protocol 2), decoded by {@link PgOutputDecoder} and the registry, and
 * compared column by column with pgjdbc's {@code getObject} on the same row.
 */
class WalTypeFidelityTests {

	private static TestDatabase database;

	private static List<FixtureColumn> columns;

	@BeforeAll
	static void insertUnderSlots() {
		database = TestPostgres.createDatabase("types_wal");
		TypeFixture.createSchema(database);
		database.execute("CREATE PUBLICATION types_pub FOR TABLE everything",
				"SELECT pg_create_logical_replication_slot('types_text', 'pgoutput')",
				"SELECT pg_create_logical_replication_slot('types_binary', 'pgoutput')");
		// the test server runs with synchronous_commit=off, and the slot functions only read flushed WAL
		List<String> inserts = new ArrayList<>(List.of("SET synchronous_commit = on"));
		inserts.addAll(TypeFixture.inserts());
		database.execute(inserts.toArray(String[]::new));
		try {
			columns = FixtureColumn.read(database);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void textTuplesDecodeAsPgjdbcReturnsTheRow() throws SQLException {
		TypeRegistry registry = new TypeRegistry(new JdbcTypeCatalog(FixtureColumn.connections(database)));
		Map<Integer, TupleData> rows = readInserts("types_text", 1, false, registry);
		assertThat(rows).hasSize(TypeFixture.ROWS.size());
		List<String> mismatches = new ArrayList<>();
		int compared = 0;
		try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
			// the zone the WAL was read in, as pgjdbc's replication connection uses the JVM zone for both
			statement.execute("SET TIME ZONE 'Europe/Amsterdam'");
			ResultSet row = statement.executeQuery("SELECT * FROM everything ORDER BY id");
			while (row.next()) {
				TupleData tuple = rows.get(row.getInt(1));
				for (int i = 0; i < columns.size(); i++) {
					FixtureColumn column = columns.get(i);
					byte kind = tuple.kind(i + 1);
					if (kind == TupleData.NULL) {
						assertThat(row.getObject(i + 2)).as(column.name()).isNull();
						continue;
					}
					assertThat((char) kind).as(column.name()).isEqualTo((char) TupleData.TEXT);
					Object expected = JdbcExpectations.expectedOrFailure(row, i + 2, column.baseTypeName());
					Object actual = decode(registry, column.oid(), tuple, i + 1);
					TypeFidelityTests.compare(column.name() + " row " + row.getInt(1) + " WAL text", expected, actual,
							mismatches);
					compared++;
				}
			}
		}
		assertThat(compared).isGreaterThan(120);
		assertThat(TypeFidelityTests.keys(mismatches)).as("values that differ from pgjdbc: %s", mismatches)
			.containsExactlyInAnyOrderElementsOf(KnownDifferences.TEXT.keySet());
	}

	@Test
	void binaryTuplesDecodeAsTheirTextOrFailNamingTheType() throws SQLException {
		TypeRegistry registry = new TypeRegistry(new JdbcTypeCatalog(FixtureColumn.connections(database)));
		Map<Integer, TupleData> text = readInserts("types_text", 1, false, registry);
		Map<Integer, TupleData> binary = readInserts("types_binary", 2, true, registry);
		assertThat(binary.keySet()).as("binary rows").isEqualTo(text.keySet());
		List<String> mismatches = new ArrayList<>();
		List<String> refused = new ArrayList<>();
		int compared = 0;
		for (Map.Entry<Integer, TupleData> row : binary.entrySet()) {
			TupleData tuple = row.getValue();
			for (int i = 0; i < columns.size(); i++) {
				FixtureColumn column = columns.get(i);
				if (tuple.kind(i + 1) == TupleData.NULL) {
					continue;
				}
				assertThat((char) tuple.kind(i + 1)).as(column.name()).isEqualTo((char) TupleData.BINARY);
				if (!registry.supportsBinary(column.oid())) {
					try {
						decode(registry, column.oid(), tuple, i + 1);
						mismatches.add(column.name() + " decoded binary without a binary decoder");
					}
					catch (IllegalArgumentException expected) {
						assertThat(expected).hasMessageContaining(registry.typeName(column.oid()));
						refused.add(column.name());
					}
					continue;
				}
				Object fromText = decode(registry, column.oid(), text.get(row.getKey()), i + 1);
				Object fromBinary = decode(registry, column.oid(), tuple, i + 1);
				TypeFidelityTests.compare(column.name() + " row " + row.getKey() + " WAL binary", fromText, fromBinary,
						mismatches);
				compared++;
			}
		}
		assertThat(compared).isGreaterThan(80);
		assertThat(mismatches).isEmpty();
		assertThat(refused).contains("c_interval", "c_money", "c_inet", "c_point");
	}

	/**
	 * Peek at the slot's changes and return each inserted row's tuple by id, registering the
	 * Type messages with the registry as the stream consumer does.
	 */
	private static Map<Integer, TupleData> readInserts(String slot, int protocol, boolean binaryMode,
			TypeRegistry registry) throws SQLException {
		Map<Integer, TupleData> rows = new TreeMap<>();
		PgOutputDecoder decoder = new PgOutputDecoder(protocol, false);
		try (Connection connection = database.connect()) {
			try (Statement statement = connection.createStatement()) {
				// the text form of timestamptz follows the session zone; pick one with odd historic offsets
				statement.execute("SET TIME ZONE 'Europe/Amsterdam'");
			}
			try (PreparedStatement changes = connection.prepareStatement("SELECT lsn::text, data FROM"
					+ " pg_logical_slot_peek_binary_changes(?, NULL, NULL, 'proto_version', ?,"
					+ " 'publication_names', 'types_pub', 'binary', ?)")) {
				changes.setString(1, slot);
				changes.setString(2, Integer.toString(protocol));
				changes.setString(3, Boolean.toString(binaryMode));
				try (ResultSet change = changes.executeQuery()) {
					while (change.next()) {
						PgOutputMessage message = decoder.decode(ByteBuffer.wrap(change.getBytes(2)),
								LogSequenceNumber.valueOf(change.getString(1)));
						if (message instanceof PgOutputMessage.Type) {
							PgOutputMessage.Type type = (PgOutputMessage.Type) message;
							registry.register(type.typeOid(), type.namespace(), type.name());
						}
						if (message instanceof PgOutputMessage.Insert) {
							TupleData tuple = ((PgOutputMessage.Insert) message).newTuple();
							Object id = decode(registry, 23, tuple, 0);
							rows.put((Integer) id, tuple);
						}
					}
				}
			}
		}
		return rows;
	}

	/** Decode one column as the replication layer does: in place, in the tuple's format. */
	private static Object decode(TypeRegistry registry, int typeOid, TupleData tuple, int column) {
		return registry.decode(typeOid, tuple.array(), tuple.offset(column), tuple.length(column),
				tuple.kind(column) == TupleData.BINARY);
	}

}
