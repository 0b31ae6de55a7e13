package dev.pgcdc.replication;

import dev.pgcdc.stream.TableInfo;
import dev.pgcdc.stream.CdcConfigurationException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end on a real server: publication, temporary slot, reader, assembler, dispatcher.
 */
class ChangeStreamTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("stream");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	static ChangeStreamBuilder stream(TestDatabase database, String publication) {
		return ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.publication(publication);
	}

	@Test
	void insertUpdateDeleteArriveInOrderWithRows() {
		database.execute("CREATE TABLE users (id int PRIMARY KEY, name text, email text)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "basic_pub").tables("users").handler(recorder).start()) {
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			database.execute("INSERT INTO users VALUES (1, 'ann', 'ann@example.com')",
					"UPDATE users SET name = 'anna' WHERE id = 1", "DELETE FROM users WHERE id = 1");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 3);
			List<ChangeEvent> events = recorder.changes();
			assertThat(events).extracting(ChangeEvent::operation)
				.containsExactly(Operation.INSERT, Operation.UPDATE, Operation.DELETE);
			ChangeEvent insert = events.get(0);
			assertThat(insert.schema()).isEqualTo("public");
			assertThat(insert.table()).isEqualTo("users");
			assertThat(insert.newRecord()).containsEntry("name", "ann").containsEntry("email", "ann@example.com");
			assertThat(insert.oldRecord()).isNull();
			assertThat(insert.source().columns()).containsOnlyKeys("id", "name", "email");
			assertThat(insert.source().database()).isEqualTo(database.name());
			assertThat(insert.source().name()).isEqualTo("pgcdc");
			ChangeEvent update = events.get(1);
			assertThat(update.oldRecord()).containsEntry("name", "ann");
			assertThat(update.changes()).containsOnlyKeys("name");
			assertThat(update.changes().get("name").newValue()).isEqualTo("anna");
			ChangeEvent delete = events.get(2);
			assertThat(delete.newRecord()).isNull();
			assertThat(delete.oldRecord()).containsEntry("email", "ann@example.com");
			assertThat(events).allSatisfy((event) -> {
				assertThat(event.lsn()).matches("[0-9A-F]+/[0-9A-F]+");
				assertThat(event.commitTimestamp()).isNotNull();
			});
			assertThat(events.stream().map(ChangeEvent::xid).distinct()).hasSize(3);
			await().atMost(TIMEOUT).until(() -> stream.status().events() == 3);
			StreamStatus status = stream.status();
			assertThat(status.transactions()).isEqualTo(3);
			assertThat(status.flushedLsn()).isNotNull();
			assertThat(status.receivedLsn()).isNotNull();
			assertThat(status.serverVersion()).isNotBlank();
			assertThat(status.lastHandledCommit()).isEqualTo(delete.commitTimestamp());
		}
	}

	@Test
	void severalTablesAndTruncateGiveOneEventPerTable() {
		database.execute("CREATE TABLE a (id int PRIMARY KEY)", "CREATE TABLE b (id int PRIMARY KEY)",
				"CREATE TABLE c (id int PRIMARY KEY)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "truncate_pub").tables("a", "b").handler(recorder).start()) {
			database.execute("INSERT INTO a VALUES (1)", "INSERT INTO b VALUES (1)", "INSERT INTO c VALUES (1)",
					"TRUNCATE a, b", "INSERT INTO a VALUES (2)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 5);
			List<ChangeEvent> events = recorder.changes();
			assertThat(events).extracting(ChangeEvent::operation)
				.containsExactly(Operation.INSERT, Operation.INSERT, Operation.TRUNCATE, Operation.TRUNCATE,
						Operation.INSERT);
			assertThat(events.subList(2, 4)).extracting(ChangeEvent::table).containsExactlyInAnyOrder("a", "b");
			assertThat(events.get(2).lsn()).isEqualTo(events.get(3).lsn());
			assertThat(events.get(2).newRecord()).isNull();
			assertThat(events.get(2).oldRecord()).isNull();
			assertThat(events).noneMatch((event) -> event.table().equals("c"));
			assertThat(stream.tables()).containsExactlyInAnyOrder(TableName.parse("a"), TableName.parse("b"));
		}
	}

	@Test
	void transactionArrivesInChunksWithOneLsnAndSameRowTwice() throws Exception {
		database.execute("CREATE TABLE items (id int PRIMARY KEY, qty int)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "chunk_pub").tables("items").batchSize(3).handler(recorder).start()) {
			database.execute("BEGIN; INSERT INTO items VALUES (1, 1); INSERT INTO items VALUES (2, 1);"
					+ " UPDATE items SET qty = 2 WHERE id = 1; UPDATE items SET qty = 3 WHERE id = 1;"
					+ " INSERT INTO items VALUES (3, 1); INSERT INTO items VALUES (4, 1); INSERT INTO items VALUES (5, 1);"
					+ " COMMIT");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 7);
			List<TransactionBatch> batches = recorder.batches;
			assertThat(batches).extracting((batch) -> batch.events().size()).containsExactly(3, 3, 1);
			assertThat(batches).extracting(TransactionBatch::first).containsExactly(true, false, false);
			assertThat(batches).extracting(TransactionBatch::last).containsExactly(false, false, true);
			assertThat(batches).extracting(TransactionBatch::xid).containsOnly(batches.get(0).xid());
			assertThat(batches).extracting(TransactionBatch::lsn).containsOnly(batches.get(0).lsn());
			List<ChangeEvent> events = recorder.changes();
			assertThat(events).extracting(ChangeEvent::lsn).containsOnly(batches.get(0).lsn());
			assertThat(text(events.get(2).changes().get("qty").oldValue())).isEqualTo("1");
			assertThat(text(events.get(2).changes().get("qty").newValue())).isEqualTo("2");
			assertThat(text(events.get(3).changes().get("qty").oldValue())).isEqualTo("2");
			assertThat(text(events.get(3).changes().get("qty").newValue())).isEqualTo("3");
			assertThat(events).extracting((event) -> text(event.record().get("id")))
				.containsExactly("1", "2", "1", "1", "3", "4", "5");
		}
	}

	@Test
	void logicalMessagesArriveTransactionalInWalOrderAndNonTransactionalAlone() {
		database.execute("CREATE TABLE notes (id int PRIMARY KEY)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "message_pub").tables("notes").handler(recorder).start()) {
			database.execute("SELECT pg_logical_emit_message(false, 'audit', 'alone')",
					"BEGIN; INSERT INTO notes VALUES (1); SELECT pg_logical_emit_message(true, 'audit', 'inside');"
							+ " INSERT INTO notes VALUES (2); COMMIT");
			await().atMost(TIMEOUT).until(() -> recorder.all().size() == 4);
			TransactionBatch alone = recorder.batches.get(0);
			assertThat(alone.xid()).isZero();
			assertThat(alone.commitTimestamp()).isNull();
			assertThat(alone.first()).isTrue();
			assertThat(alone.last()).isTrue();
			LogicalMessage first = (LogicalMessage) alone.events().get(0);
			assertThat(first.transactional()).isFalse();
			assertThat(first.prefix()).isEqualTo("audit");
			assertThat(first.contentAsString()).isEqualTo("alone");
			assertThat(first.lsn()).isEqualTo(alone.lsn());
			List<CdcEvent> transaction = recorder.batches.get(1).events();
			assertThat(transaction).hasSize(3);
			assertThat(transaction.get(0)).isInstanceOf(ChangeEvent.class);
			LogicalMessage inside = (LogicalMessage) transaction.get(1);
			assertThat(inside.transactional()).isTrue();
			assertThat(inside.content()).isEqualTo("inside".getBytes(StandardCharsets.UTF_8));
			assertThat(inside.xid()).isEqualTo(recorder.batches.get(1).xid());
			assertThat(inside.lsn()).isEqualTo(recorder.batches.get(1).lsn());
			assertThat(inside.commitTimestamp()).isNotNull();
			assertThat(transaction.get(2)).isInstanceOf(ChangeEvent.class);
			// a stopping stream wakes its reader with a message of its own: nobody receives it as an event
			stream(database, "message_pub_2").tables("notes").handler(new Recorder()).start().stop();
			database.execute("SELECT pg_logical_emit_message(false, 'audit', 'last')");
			await().atMost(TIMEOUT).until(() -> recorder.messages().size() == 3);
			assertThat(recorder.messages()).extracting(LogicalMessage::prefix).containsOnly("audit");
		}
	}

	@Test
	void onEventReceivesRowChangesOnly() {
		database.execute("CREATE TABLE pings (id int PRIMARY KEY)");
		List<ChangeEvent> received = new java.util.concurrent.CopyOnWriteArrayList<>();
		try (ChangeStream stream = stream(database, "on_event_pub").tables("pings").onEvent(received::add).start()) {
			database.execute("SELECT pg_logical_emit_message(true, 'x', 'y')", "INSERT INTO pings VALUES (7)");
			await().atMost(TIMEOUT).until(() -> received.size() == 1);
			assertThat(text(received.get(0).newRecord().get("id"))).isEqualTo("7");
		}
	}

	@Test
	void temporarySlotIsGoneAfterStop() throws Exception {
		database.execute("CREATE TABLE temp_check (id int PRIMARY KEY)");
		ChangeStream stream = stream(database, "temp_pub").tables("temp_check").handler(new Recorder()).start();
		String slot = stream.slot();
		assertThat(slotCount(slot)).isEqualTo(1);
		stream.stop();
		assertThat(stream.state()).isEqualTo(StreamState.STOPPED);
		assertThat(stream.isRunning()).isFalse();
		await().atMost(TIMEOUT).until(() -> slotCount(slot) == 0);
		stream.stop();
		assertThat(stream.state()).isEqualTo(StreamState.STOPPED);
	}

	@Test
	void columnAddedAndDroppedWhileStreaming() {
		database.execute("CREATE TABLE evolving (id int PRIMARY KEY, a text)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "evolve_pub").tables("evolving").handler(recorder).start()) {
			database.execute("INSERT INTO evolving VALUES (1, 'x')", "ALTER TABLE evolving ADD COLUMN b int",
					"INSERT INTO evolving VALUES (2, 'y', 5)", "ALTER TABLE evolving DROP COLUMN a",
					"INSERT INTO evolving VALUES (3, 6)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 3);
			List<ChangeEvent> events = recorder.changes();
			assertThat(events.get(0).newRecord()).containsOnlyKeys("id", "a");
			assertThat(events.get(1).newRecord()).containsOnlyKeys("id", "a", "b");
			assertThat(text(events.get(1).newRecord().get("b"))).isEqualTo("5");
			assertThat(events.get(1).source().columns()).containsOnlyKeys("id", "a", "b");
			assertThat(events.get(2).newRecord()).containsOnlyKeys("id", "b");
			assertThat(text(events.get(2).newRecord().get("b"))).isEqualTo("6");
		}
	}

	@Test
	void tablesAddedAndRemovedWhileStreaming() {
		database.execute("CREATE TABLE first_table (id int PRIMARY KEY)", "CREATE TABLE later_table (id int)");
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "runtime_pub").tables("first_table").handler(recorder).start()) {
			TableInfo added = stream.addTable(TableName.parse("later_table"));
			assertThat(added.columns()).containsExactly(Map.entry("id", "int4"));
			database.execute("INSERT INTO later_table VALUES (1)", "UPDATE later_table SET id = 2");
			await().atMost(TIMEOUT).until(() -> recorder.changes("later_table").size() == 2);
			assertThat(text(recorder.changes("later_table").get(1).oldRecord().get("id"))).isEqualTo("1");
			stream.removeTable(TableName.parse("later_table"));
			assertThat(stream.tables()).containsExactly(TableName.parse("first_table"));
			database.execute("INSERT INTO later_table VALUES (3)", "INSERT INTO first_table VALUES (1)");
			await().atMost(TIMEOUT).until(() -> recorder.changes("first_table").size() == 1);
			assertThat(recorder.changes("later_table")).hasSize(2);
			assertThatExceptionOfType(CdcConfigurationException.class)
				.isThrownBy(() -> stream.addTable(TableName.parse("no_such_table")))
				.withMessageContaining("public.no_such_table does not exist");
		}
	}

	/** Values are text until the type registry decodes them; compare their text either way. */
	static String text(Object value) {
		return String.valueOf(value);
	}

	private static int slotCount(String slot) throws Exception {
		try (var connection = database.connect();
				var statement = connection.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (var row = statement.executeQuery()) {
				row.next();
				return row.getInt(1);
			}
		}
	}

}
