package dev.pgcdc.pgoutput;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Regenerates every {@code pgoutput} fixture from a real server through the SQL interface
 * ({@code pg_logical_slot_get_binary_changes}): no replication connection needed. Skipped
 * unless asked for; run it from the repository root with
 * <pre>
 * ./mvnw -B -ntp -pl cdc-core -am test -Dtest=FixtureCapture -Dsurefire.failIfNoSpecifiedTests=false -Dpgcdc.capture=true
 * </pre>
 * It rewrites {@code cdc-core/src/test/resources/pgoutput/*.txt} and the benchmark frames in
 * {@code cdc-benchmarks/src/main/resources/pgoutput/}. LSNs, xids and timestamps change with
 * every capture; {@link PgOutputDecoderTests} only asserts what the scripts make deterministic.
 * The two-phase messages are built by hand in {@link PgOutputDecoderHandBuiltTests} instead:
 * the test server runs without {@code max_prepared_transactions}. A streamed transaction that
 * aborts is read while still open ({@code -- read} in a script), because the SQL interface
 * decodes after the fact and PostgreSQL does not stream a transaction it already knows aborted.
 */
@EnabledIfSystemProperty(named = "pgcdc.capture", matches = "true")
class FixtureCapture {

	private static final Path FIXTURES = Path.of("src/test/resources/pgoutput");

	private static final Path BENCHMARK_FRAMES = Path.of("../cdc-benchmarks/src/main/resources/pgoutput");

	private static final String V1 = "'proto_version', '1', 'publication_names', 'pub', 'messages', 'true'";

	private static TestDatabase database;

	private static String serverVersion;

	@BeforeAll
	static void createDatabase() throws SQLException {
		database = TestPostgres.createDatabase("fixtures");
		database.execute("CREATE PUBLICATION pub FOR ALL TABLES");
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SHOW server_version")) {
			rows.next();
			serverVersion = rows.getString(1);
		}
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void primaryKeyDefaultIdentity() throws Exception {
		database.execute("CREATE TABLE customer (id int PRIMARY KEY, name text NOT NULL, email varchar(80), active boolean)");
		capture("pk_default", V1, null, """
				INSERT INTO customer VALUES (1, 'Ada', 'ada@example.com', true), (2, 'Grace', NULL, false);
				UPDATE customer SET name = 'Ada L.' WHERE id = 1;
				UPDATE customer SET id = 10 WHERE id = 2;
				DELETE FROM customer WHERE id = 10;
				""");
	}

	@Test
	void primaryKeyFullIdentity() throws Exception {
		database.execute("CREATE TABLE account (id bigint PRIMARY KEY, owner text, balance numeric(12,2))",
				"ALTER TABLE account REPLICA IDENTITY FULL");
		capture("pk_full", V1, null, """
				INSERT INTO account VALUES (1, 'Ada', 100.50);
				UPDATE account SET balance = 75.25 WHERE id = 1;
				DELETE FROM account WHERE id = 1;
				""");
	}

	@Test
	void noPrimaryKeyFullIdentity() throws Exception {
		database.execute("CREATE TABLE audit_log (at_step int, note text)", "ALTER TABLE audit_log REPLICA IDENTITY FULL");
		capture("nopk_full", V1, null, """
				INSERT INTO audit_log VALUES (1, 'created');
				UPDATE audit_log SET note = 'changed' WHERE at_step = 1;
				DELETE FROM audit_log WHERE at_step = 1;
				""");
	}

	@Test
	void customType() throws Exception {
		database.execute("CREATE SCHEMA shop", "CREATE TYPE shop.mood AS ENUM ('sad', 'ok', 'happy')",
				"CREATE TABLE shop.review (id int PRIMARY KEY, mood shop.mood, tags text[])");
		capture("custom_type", V1, null, """
				INSERT INTO shop.review VALUES (1, 'happy', '{fast,cheap}');
				""");
	}

	@Test
	void truncateCascadeRestartIdentity() throws Exception {
		database.execute("CREATE TABLE parent (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text)",
				"CREATE TABLE child (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, parent_id int REFERENCES parent)",
				"CREATE TABLE plain (id int PRIMARY KEY)");
		capture("truncate", V1, null, """
				INSERT INTO parent (name) VALUES ('p');
				INSERT INTO child (parent_id) VALUES (1);
				TRUNCATE parent, child RESTART IDENTITY CASCADE;
				TRUNCATE plain;
				""");
	}

	@Test
	void logicalMessages() throws Exception {
		database.execute("CREATE TABLE note (id int PRIMARY KEY)");
		capture("messages", V1, null, """
				SELECT pg_logical_emit_message(false, 'audit', 'non-transactional');
				BEGIN;
				INSERT INTO note VALUES (1);
				SELECT pg_logical_emit_message(true, 'audit', 'transactional: ünïcödé');
				SELECT pg_logical_emit_message(true, 'bin', '\\x00ff10'::bytea);
				COMMIT;
				""");
	}

	@Test
	void unchangedToast() throws Exception {
		database.execute("CREATE TABLE document (id int PRIMARY KEY, title text, body text)",
				"ALTER TABLE document ALTER COLUMN body SET STORAGE EXTERNAL");
		capture("toast", V1, null, """
				INSERT INTO document VALUES (1, 'draft', repeat('0123456789', 1000));
				UPDATE document SET title = 'final' WHERE id = 1;
				""");
	}

	@Test
	void binaryMode() throws Exception {
		database.execute("""
				CREATE TABLE sample (id int PRIMARY KEY, big bigint, label text, flag boolean, at timestamptz,
				amount numeric(10,2), ref uuid, doc jsonb, raw bytea, ratio float8, missing text)""");
		capture("binary", "'proto_version', '2', 'publication_names', 'pub', 'binary', 'true'", null, """
				INSERT INTO sample VALUES (1, 9000000000, 'héllo', true, '2024-05-01 12:34:56.789+00', 1234.50,
				  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": [1, 2]}', '\\xdeadbeef', 0.25, NULL);
				UPDATE sample SET flag = false WHERE id = 1;
				DELETE FROM sample WHERE id = 1;
				""");
	}

	@Test
	void streamedTransactions() throws Exception {
		database.execute("CREATE TABLE bulk (id int PRIMARY KEY, payload text)");
		// Enough rows per transaction to exceed 64kB of logical_decoding_work_mem: streamed.
		capture("streaming", "'proto_version', '2', 'publication_names', 'pub', 'messages', 'true', 'streaming', 'on'",
				"SET logical_decoding_work_mem = '64kB'", """
						BEGIN;
						INSERT INTO bulk SELECT g, 'x' FROM generate_series(1, 450) g;
						SAVEPOINT sp;
						INSERT INTO bulk SELECT g, 'y' FROM generate_series(1001, 1450) g;
						ROLLBACK TO SAVEPOINT sp;
						SELECT pg_logical_emit_message(true, 'stream', 'in a streamed transaction');
						COMMIT;
						BEGIN;
						INSERT INTO bulk SELECT g, 'z' FROM generate_series(2001, 2600) g;
						-- read;
						ROLLBACK;
						""");
	}

	@Test
	void parallelStreaming() throws Exception {
		database.execute("CREATE TABLE bulk_parallel (id int PRIMARY KEY, payload text)");
		capture("parallel", "'proto_version', '4', 'publication_names', 'pub', 'streaming', 'parallel'",
				"SET logical_decoding_work_mem = '64kB'", """
						BEGIN;
						INSERT INTO bulk_parallel SELECT g, 'p' FROM generate_series(1, 600) g;
						-- read;
						ROLLBACK;
						""");
	}

	@Test
	void origin() throws Exception {
		database.execute("CREATE TABLE replicated (id int PRIMARY KEY)");
		capture("origin", V1, null, """
				SELECT pg_replication_origin_create('upstream');
				SELECT pg_replication_origin_session_setup('upstream');
				BEGIN;
				SELECT pg_replication_origin_xact_setup('0/ABCDEF', '2024-01-02 03:04:05+00');
				INSERT INTO replicated VALUES (1);
				COMMIT;
				SELECT pg_replication_origin_session_reset();
				""");
	}

	/** The benchmark's frames: one transaction of 1000 inserts of a 10-column row, text and binary. */
	@Test
	void benchmarkFrames() throws Exception {
		database.execute("""
				CREATE TABLE orders (id int PRIMARY KEY, customer_id bigint, sku text, note text, placed_at timestamptz,
				amount numeric(12,2), paid boolean, ref uuid, attrs jsonb, quantity int)""");
		String rows = """
				INSERT INTO orders SELECT g, 100000 + g % 977, 'SKU-' || (g % 313), 'order note number ' || g,
				  timestamptz '2024-05-01 00:00:00+00' + g * interval '1 minute', (g % 10000) / 7.0, g % 2 = 0,
				  md5(g::text)::uuid, jsonb_build_object('channel', 'web', 'priority', g % 3, 'gift', g % 5 = 0), g % 9 + 1
				FROM generate_series(1, 1000) g;
				""";
		capture("bench_text", "'proto_version', '1', 'publication_names', 'pub'", null, rows, BENCHMARK_FRAMES, true);
		database.execute("TRUNCATE orders");
		capture("bench_binary", "'proto_version', '2', 'publication_names', 'pub', 'binary', 'true'", null, rows,
				BENCHMARK_FRAMES, true);
	}

	private void capture(String name, String options, String readerSetup, String script) throws Exception {
		capture(name, options, readerSetup, script, FIXTURES, false);
	}

	/**
	 * Run a script in one writer session and capture what the slot emits. A line
	 * {@code -- read} reads the slot at that point, with the writer's transaction still open
	 * (how a streamed transaction that later aborts is seen before its abort).
	 */
	private void capture(String name, String options, String readerSetup, String script, Path directory,
			boolean gzip) throws Exception {
		String slot = "fx_" + name;
		slotFunction("SELECT pg_create_logical_replication_slot(?, 'pgoutput')", slot);
		List<String> lines = new ArrayList<>();
		lines.add("# pgoutput fixture '" + name + "' captured by FixtureCapture from PostgreSQL " + serverVersion);
		lines.add("# options: " + options.replace("'", "") + ((readerSetup != null) ? "; reader: " + readerSetup : ""));
		for (String sql : script.strip().split("\n")) {
			lines.add("# sql: " + sql.strip());
		}
		lines.add("# <lsn> <message bytes in hex>");
		try (Connection writer = database.connect(); Statement statement = writer.createStatement();
				Connection reader = database.connect()) {
			if (readerSetup != null) {
				try (Statement setup = reader.createStatement()) {
					setup.execute(readerSetup);
				}
			}
			statement.execute("SET synchronous_commit = on");
			for (String sql : script.split(";\\s*\\n")) {
				if (sql.strip().equals("-- read")) {
					read(reader, slot, options, lines);
				}
				else if (!sql.isBlank()) {
					statement.execute(sql);
				}
			}
			read(reader, slot, options, lines);
		}
		finally {
			slotFunction("SELECT pg_drop_replication_slot(?)", slot);
		}
		write(directory.resolve(name + (gzip ? ".txt.gz" : ".txt")), lines, gzip);
	}

	private static void read(Connection reader, String slot, String options, List<String> lines) throws SQLException {
		// The test server runs with synchronous_commit=off, but the SQL interface only decodes
		// flushed WAL: a synchronous commit elsewhere flushes everything written before it. It
		// must write WAL to be synchronous; a temporary table is not replicated.
		try (Connection flusher = database.connect(); Statement statement = flusher.createStatement()) {
			statement.execute("SET synchronous_commit = on");
			statement.execute("CREATE TEMPORARY TABLE flush_marker ()");
		}
		try (PreparedStatement query = reader.prepareStatement(
				"SELECT lsn, data FROM pg_logical_slot_get_binary_changes(?, NULL, NULL, " + options + ")")) {
			query.setString(1, slot);
			try (ResultSet rows = query.executeQuery()) {
				while (rows.next()) {
					lines.add(rows.getString(1) + " " + HexFormat.of().formatHex(rows.getBytes(2)));
				}
			}
		}
	}

	private static void slotFunction(String sql, String slot) throws SQLException {
		try (Connection connection = database.connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, slot);
			statement.execute();
		}
	}

	private static void write(Path file, List<String> lines, boolean gzip) throws IOException {
		Files.createDirectories(file.getParent());
		try (OutputStream out = Files.newOutputStream(file);
				OutputStream target = gzip ? new GZIPOutputStream(out) : out;
				Writer writer = new OutputStreamWriter(target, StandardCharsets.UTF_8)) {
			for (String line : lines) {
				writer.write(line);
				writer.write('\n');
			}
		}
	}

}
