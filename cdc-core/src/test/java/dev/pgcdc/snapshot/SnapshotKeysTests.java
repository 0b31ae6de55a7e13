package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.snapshot.SnapshotStatus.State;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Unusual primary keys chunk correctly: every row arrives once, in the key order of the
 * primary-key index, with chunks of two rows so every boundary is crossed.
 */
class SnapshotKeysTests {

	private static final Duration TIMEOUT = Duration.ofMinutes(1);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("snapshot_keys");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void compositeKeysWithNegativeNumbers() throws Exception {
		database.execute("CREATE TABLE composite (region text, id int, v text, PRIMARY KEY (region, id))",
				"INSERT INTO composite SELECT r, i, 'x' FROM unnest(ARRAY['eu', 'us', 'EU', 'asia']) r,"
						+ " generate_series(-3, 3) i");
		assertSnapshotInKeyOrder("composite", "region || '/' || id",
				(row) -> row.get("region") + "/" + row.get("id"));
	}

	@Test
	void uuidKeys() throws Exception {
		database.execute("CREATE TABLE tokens (id uuid PRIMARY KEY, v int)",
				"INSERT INTO tokens SELECT md5(i::text)::uuid, i FROM generate_series(1, 25) i");
		assertSnapshotInKeyOrder("tokens", "id::text", (row) -> String.valueOf(row.get("id")));
	}

	@Test
	void textKeysInTheirCollation() throws Exception {
		database.execute("CREATE TABLE words_c (w text COLLATE \"C\" PRIMARY KEY)",
				"CREATE TABLE words (w text PRIMARY KEY)");
		for (String table : List.of("words_c", "words")) {
			database.execute("INSERT INTO " + table + " SELECT unnest(ARRAY['apple', 'Banana', 'banana', 'Zebra', 'éclair',"
					+ " 'a b', 'a''quote', 'ä', '', '10', '9', 'Ωmega'])");
			assertSnapshotInKeyOrder(table, "w", (row) -> String.valueOf(row.get("w")));
		}
	}

	@Test
	void numericAndByteaKeys() throws Exception {
		database.execute("CREATE TABLE amounts (id numeric PRIMARY KEY)",
				"INSERT INTO amounts VALUES (-10), (-1.5), (-0.25), (0), (0.1), (2), (10.000), (1e6)",
				"CREATE TABLE blobs (id bytea PRIMARY KEY)",
				"INSERT INTO blobs SELECT decode(lpad(to_hex(i * 37), 4, '0'), 'hex') FROM generate_series(0, 20) i");
		assertSnapshotInKeyOrder("amounts", "id::text", (row) -> String.valueOf(row.get("id")));
		assertSnapshotInKeyOrder("blobs", "encode(id, 'hex')", (row) -> HexFormat.of().formatHex((byte[]) row.get("id")));
	}

	private void assertSnapshotInKeyOrder(String table, String keyExpression, Function<Map<String, Object>, String> key)
			throws Exception {
		List<String> expected = new ArrayList<>();
		try (Connection connection = database.connect();
				Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT " + keyExpression + " FROM " + table + " t ORDER BY "
						+ primaryKeyOrder(table))) {
			while (row.next()) {
				expected.add(row.getString(1));
			}
		}
		List<String> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
		TableName name = TableName.parse(table);
		try (ChangeStream stream = SnapshotOracleTests.stream(database, table, SnapshotMode.NEVER, 2).onEvent((event) -> {
			if (event.operation() == Operation.SNAPSHOT) {
				delivered.add(key.apply(event.newRecord()));
			}
		}).start()) {
			stream.snapshots().start(name);
			await().atMost(TIMEOUT).until(() -> stream.snapshots().status(name).orElseThrow().state() == State.DONE);
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
		}
		assertThat(expected).hasSizeGreaterThan(5);
		assertThat(delivered).as(table).containsExactlyElementsOf(expected);
	}

	private static String primaryKeyOrder(String table) {
		return switch (table) {
			// qualified: an output column of the same name would order as text
			case "composite" -> "t.region, t.id";
			case "words", "words_c" -> "t.w";
			default -> "t.id";
		};
	}

}
