package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static dev.pgcdc.replication.ChangeStreamTests.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * What old rows, {@code changes()} and unchanged TOASTed values look like under each replica identity.
 */
class ReplicaIdentityTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	/** Larger than the TOAST threshold and incompressible, so it is stored out of line. */
	private static final String BIG = "(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g)";

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("identity");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void fullIdentityGivesWholeOldRowsAndChanges() throws Exception {
		database.execute("CREATE TABLE full_t (id int PRIMARY KEY, name text, note text)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "full_pub").tables("full_t").handler(recorder).start()) {
			assertThat(relreplident("full_t")).isEqualTo("f");
			database.execute("INSERT INTO full_t VALUES (1, 'a', 'n')", "UPDATE full_t SET name = 'b' WHERE id = 1",
					"DELETE FROM full_t");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 3);
			ChangeEvent update = recorder.changes().get(1);
			assertThat(update.oldRecord()).containsOnlyKeys("id", "name", "note").containsEntry("name", "a");
			assertThat(update.changes()).containsOnlyKeys("name");
			assertThat(recorder.changes().get(2).oldRecord()).containsOnlyKeys("id", "name", "note");
		}
	}

	@Test
	void defaultIdentityGivesKeyColumnsOnlyAndNoChanges() throws Exception {
		database.execute("CREATE TABLE default_t (id int PRIMARY KEY, name text, note text)",
				"ALTER TABLE default_t REPLICA IDENTITY FULL");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "default_pub").tables("default_t")
			.replicaIdentity(TableName.parse("default_t"), ReplicaIdentity.DEFAULT)
			.handler(recorder)
			.start()) {
			assertThat(relreplident("default_t")).isEqualTo("d");
			database.execute("INSERT INTO default_t VALUES (1, 'a', 'n')", "UPDATE default_t SET name = 'b' WHERE id = 1",
					"UPDATE default_t SET id = 2 WHERE id = 1", "DELETE FROM default_t");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 4);
			List<ChangeEvent> events = recorder.changes();
			ChangeEvent update = events.get(1);
			assertThat(update.oldRecord()).isNull();
			assertThat(update.changes()).isEmpty();
			ChangeEvent keyChange = events.get(2);
			assertThat(keyChange.oldRecord()).containsOnlyKeys("id");
			assertThat(text(keyChange.oldRecord().get("id"))).isEqualTo("1");
			assertThat(keyChange.changes()).containsOnlyKeys("id");
			ChangeEvent delete = events.get(3);
			assertThat(delete.operation()).isEqualTo(Operation.DELETE);
			assertThat(delete.oldRecord()).containsOnlyKeys("id");
		}
	}

	@Test
	void unchangedToastIsFilledFromTheOldRowUnderFullIdentity() {
		database.execute("CREATE TABLE toast_full (id int PRIMARY KEY, counter int, body text)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "toast_full_pub").tables("toast_full").handler(recorder).start()) {
			database.execute("INSERT INTO toast_full VALUES (1, 0, " + BIG + ")",
					"UPDATE toast_full SET counter = 1 WHERE id = 1");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 2);
			ChangeEvent insert = recorder.changes().get(0);
			ChangeEvent update = recorder.changes().get(1);
			assertThat((String) insert.newRecord().get("body")).hasSize(400 * 32);
			assertThat(update.newRecord()).containsEntry("body", insert.newRecord().get("body"));
			assertThat(update.unchangedToastColumns()).isEmpty();
			assertThat(update.changes()).containsOnlyKeys("counter");
		}
	}

	@Test
	void unchangedToastIsLeftOutUnderDefaultIdentity() {
		database.execute("CREATE TABLE toast_default (id int PRIMARY KEY, counter int, body text)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "toast_default_pub").tables("toast_default")
			.replicaIdentity(ReplicaIdentity.DEFAULT)
			.handler(recorder)
			.start()) {
			database.execute("INSERT INTO toast_default VALUES (1, 0, " + BIG + ")",
					"UPDATE toast_default SET counter = 1 WHERE id = 1");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 2);
			ChangeEvent update = recorder.changes().get(1);
			assertThat(update.newRecord()).containsOnlyKeys("id", "counter");
			assertThat(update.unchangedToastColumns()).containsExactly("body");
			assertThat(update.changes()).isEmpty();
		}
	}

	@Test
	void tableWithoutPrimaryKeyStreamsUnderFullIdentity() {
		database.execute("CREATE TABLE log_lines (line text, level text)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "nopk_pub").tables("log_lines").handler(recorder).start()) {
			database.execute("INSERT INTO log_lines VALUES ('x', 'info')", "UPDATE log_lines SET level = 'warn'",
					"DELETE FROM log_lines");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 3);
			assertThat(recorder.changes().get(1).changes()).containsOnlyKeys("level");
			assertThat(recorder.changes().get(2).oldRecord()).containsEntry("line", "x").containsEntry("level", "warn");
		}
	}

	@Test
	void defaultIdentityOnTableWithoutPrimaryKeyIsRefused() {
		database.execute("CREATE TABLE no_key (v text)");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> stream(database, "no_key_pub").tables("no_key")
				.replicaIdentity(ReplicaIdentity.DEFAULT)
				.handler(new Recorder())
				.start())
			.withMessageContaining("public.no_key has no primary key")
			.withMessageContaining("FULL");
	}

	private static String relreplident(String table) throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT relreplident FROM pg_class WHERE relname = '" + table + "'")) {
			row.next();
			return row.getString(1);
		}
	}

}
