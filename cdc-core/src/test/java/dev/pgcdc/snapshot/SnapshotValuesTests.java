package dev.pgcdc.snapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgcdc.event.ChangeEvent;
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
 * A row read by a snapshot equals the same row decoded from the WAL, value for value and type
 * for type: chunks come partly in binary format (numbers, timestamps, uuids, arrays...) and
 * partly in text (jsonb, interval, point, box...), the stream decodes pgoutput's text.
 */
class SnapshotValuesTests {

	private static final Duration TIMEOUT = Duration.ofMinutes(1);

	private static final String COLUMNS = "id int8 PRIMARY KEY, i2 int2, i4 int4, f4 float4, f8 float8, n numeric,"
			+ " n2 numeric(12,3), b bool, d date, t time, ttz timetz, ts timestamp, tstz timestamptz, u uuid, by bytea,"
			+ " tx text, vc varchar(20), ch char(4), j json, jb jsonb, iv interval, p point, bx box, ia int4[],"
			+ " ta text[], na numeric[], tsa timestamptz[], ip inet, o oid";

	private static final String VALUES = """
			(1, -32768, 2147483647, 1.5, -0.1, 12345678901234567890.0001, -0.5, true, '2026-02-28', '23:59:59.999999',
			 '12:00+05:30', '1999-12-31 23:59:59.5', '2026-01-01 00:00:00.123456+02', md5('x')::uuid, '\\x00ff10',
			 'tëxt, "quoted"', 'v', 'ab', '{"a": [1, 2]}', '{"b": {"c": null}, "a": 1.50}', '1 day 02:03:04',
			 '(1.5,-2)', '(1,1),(0,0)', '{1,NULL,-3}', '{"a b",NULL,"c\\"d"}', '{1.10,NaN}',
			 '{"2026-01-01 00:00:00+00"}', '10.0.0.1/8', 4294967295),
			(2, NULL, NULL, 'NaN', '-Infinity', 'NaN', NULL, false, 'infinity', NULL, NULL, '-infinity', 'infinity',
			 NULL, '\\x', '', NULL, NULL, 'null', '[]', NULL, NULL, NULL, '{}', '{}', NULL, NULL, NULL, 0),
			(3, 7, 7, 0, 1e300, 0, 1.000, NULL, '0044-03-15 BC', '00:00', '00:00-12', '2000-01-01', '1970-01-01 00:00+00',
			 '00000000-0000-0000-0000-000000000000', NULL, NULL, NULL, NULL, NULL, '"s"', '-1 mon', NULL, NULL, NULL,
			 NULL, '{-0.000}', NULL, '::1', NULL)""";

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("snapshot_values");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void aSnapshotRowEqualsTheSameRowDecodedFromTheWal() {
		database.execute("CREATE TABLE everything (" + COLUMNS + ")");
		TableName table = TableName.parse("everything");
		Map<Object, Map<String, Object>> inserted = new ConcurrentHashMap<>();
		Map<Object, Map<String, Object>> snapshot = new ConcurrentHashMap<>();
		// chunks of one row: several executions of both statements, the first chunk's and the next's
		try (ChangeStream stream = SnapshotOracleTests.stream(database, "everything", SnapshotMode.NEVER, 1)
			.onEvent((event) -> collect(event, inserted, snapshot))
			.start()) {
			database.execute("INSERT INTO everything VALUES " + VALUES);
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
			await().atMost(TIMEOUT).until(() -> inserted.size() == 3);
			stream.snapshots().start(table);
			await().atMost(TIMEOUT).until(() -> stream.snapshots().status(table).orElseThrow().state() == State.DONE);
			assertThat(stream.awaitCaughtUp(TIMEOUT)).isTrue();
		}
		assertThat(snapshot.keySet()).containsExactlyInAnyOrderElementsOf(inserted.keySet());
		for (Object id : inserted.keySet()) {
			Map<String, Object> wal = inserted.get(id);
			Map<String, Object> read = snapshot.get(id);
			assertThat(new ArrayList<>(read.keySet())).as("columns of row %s", id)
				.containsExactlyElementsOf(new ArrayList<>(wal.keySet()));
			for (String column : wal.keySet()) {
				Object expected = wal.get(column);
				Object actual = read.get(column);
				assertThat(describe(actual)).as("row %s, column %s", id, column).isEqualTo(describe(expected));
			}
		}
	}

	private static void collect(ChangeEvent event, Map<Object, Map<String, Object>> inserted,
			Map<Object, Map<String, Object>> snapshot) {
		if (event.operation() == Operation.INSERT) {
			inserted.put(event.newRecord().get("id"), event.newRecord());
		}
		else if (event.operation() == Operation.SNAPSHOT) {
			snapshot.put(event.newRecord().get("id"), event.newRecord());
		}
	}

	/** The value's type and content, arrays and byte arrays by their elements. */
	private static String describe(Object value) {
		if (value == null) {
			return "null";
		}
		if (value instanceof byte[] bytes) {
			return "byte[]" + java.util.HexFormat.of().formatHex(bytes);
		}
		if (value instanceof Object[] array) {
			List<String> elements = new ArrayList<>();
			for (Object element : array) {
				elements.add(describe(element));
			}
			return value.getClass().getSimpleName() + elements;
		}
		if (value instanceof List<?> list) {
			List<String> elements = new ArrayList<>();
			for (Object element : list) {
				elements.add(describe(element));
			}
			return "List" + elements;
		}
		return value.getClass().getName() + ":" + value;
	}

}
