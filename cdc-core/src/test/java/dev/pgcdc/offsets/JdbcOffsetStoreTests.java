package dev.pgcdc.offsets;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

import dev.pgcdc.dispatch.CdcErrorHandler;
import dev.pgcdc.dispatch.ErrorPolicy;
import dev.pgcdc.dispatch.HandlerDefinition;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.filter.EventFilter;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.util.backoff.FixedBackOff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * The jdbc offsets store on a real server, the handlers writing their effects to the same
 * database: every source change has exactly one effect, whatever happened between a handler's
 * commit and the slot's acknowledgement.
 */
class JdbcOffsetStoreTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static TestDatabase database;

	private static SimpleDriverDataSource dataSource;

	private static JdbcTemplate jdbc;

	private static final AtomicInteger SLOTS = new AtomicInteger();

	private String slot;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("offsets");
		dataSource = new SimpleDriverDataSource(new org.postgresql.Driver(), database.jdbcUrl(), database.username(),
				database.password());
		jdbc = new JdbcTemplate(dataSource);
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@BeforeEach
	void createTables() {
		this.slot = "ledger_" + SLOTS.incrementAndGet();
		database.execute("DROP TABLE IF EXISTS items, effects, dead_letters, pgcdc_offsets",
				"CREATE TABLE items (id int PRIMARY KEY)",
				"CREATE TABLE effects (source_id int NOT NULL, handler text NOT NULL)",
				"CREATE TABLE dead_letters (source_id int NOT NULL)");
	}

	@Test
	void storedPositionAheadOfTheSlotWinsAndNoEffectHappensTwice() throws Exception {
		database.execute("SELECT pg_create_logical_replication_slot('" + this.slot + "', 'pgoutput')",
				"SELECT pg_copy_logical_replication_slot('" + this.slot + "', '" + this.slot + "_behind')");
		Effects first = new Effects();
		JdbcOffsetStore store = store();
		try (ChangeStream stream = stream(first, store, ErrorPolicy.STOP, 0).start()) {
			// transactions of 3 rows in batches of 2: each spans two batches and one database transaction
			insertTransactions(1, 4, 3);
			await().atMost(TIMEOUT).until(() -> effectCount() == 12);
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
		}
		long stored = storedLsn(this.slot);
		assertThat(stored).isEqualTo(store.stored().asLong()).isGreaterThan(0);
		// the consumer crashed before its acknowledgements reached the server (or PostgreSQL 15 reverted
		// confirmed_flush after an immediate restart): the slot is back where it was before the 12 rows
		database.execute("SELECT pg_drop_replication_slot('" + this.slot + "')",
				"SELECT pg_copy_logical_replication_slot('" + this.slot + "_behind', '" + this.slot + "')",
				"SELECT pg_drop_replication_slot('" + this.slot + "_behind')");
		assertThat(confirmedFlush(this.slot)).isLessThan(stored);

		Effects second = new Effects();
		try (ChangeStream stream = stream(second, store(), ErrorPolicy.STOP, 0).start()) {
			insertTransactions(13, 1, 2);
			await().atMost(TIMEOUT).until(() -> effectCount() == 14);
			// the slot is acknowledged up to the stored position too (WAL retention follows)
			await().atMost(TIMEOUT).until(() -> confirmedFlush(this.slot) >= stored);
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			// replication started from the stored position: the server did not even send the 4 stored transactions
			assertThat(stream.status().transactions()).isEqualTo(1);
		}
		assertThat(second.calls.keySet()).containsOnly(13, 14);
		assertExactlyOneEffectEach(14);
	}

	@Test
	void transactionAtOrBeforeTheStoredPositionIsSkippedWhenDeliveredAgain() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		JdbcOffsetStore store = store();
		assertThat(store.load("direct").asLong()).isZero();
		store.deliver(batch("0/1000", true, false), null, (batch) -> write(calls, 1));
		store.deliver(batch("0/1000", false, true), lsn("0/1080"), (batch) -> write(calls, 2));
		assertThat(storedLsn("direct")).isEqualTo(lsn("0/1080").asLong());

		// after a restart, the server sends the transaction again (its acknowledgement was lost)
		JdbcOffsetStore restarted = store();
		assertThat(restarted.load("direct")).isEqualTo(lsn("0/1080"));
		restarted.deliver(batch("0/1000", true, false), null, (batch) -> write(calls, 1));
		restarted.deliver(batch("0/1000", false, true), lsn("0/1080"), (batch) -> write(calls, 2));
		assertThat(calls).hasValue(2);
		// the next transaction commits right where the stored one ended: it is new
		restarted.deliver(batch("0/1080", true, true), lsn("0/1100"), (batch) -> write(calls, 3));
		assertThat(calls).hasValue(3);
		assertThat(jdbc.queryForList("SELECT source_id FROM effects ORDER BY 1", Integer.class)).containsExactly(1, 2, 3);
		assertThat(storedLsn("direct")).isEqualTo(lsn("0/1100").asLong());
	}

	@Test
	void consumerBehindAnotherOneRollsBackInsteadOfWritingTwice() throws Exception {
		JdbcOffsetStore stale = store();
		stale.load("shared");
		JdbcOffsetStore ahead = store();
		ahead.load("shared");
		ahead.deliver(batch("0/2000", true, true), lsn("0/2080"), (batch) -> write(new AtomicInteger(), 1));
		// the stale consumer still believes nothing was stored and handles the same transaction
		stale.deliver(batch("0/2000", true, true), lsn("0/2080"), (batch) -> write(new AtomicInteger(), 1));
		assertThat(jdbc.queryForList("SELECT source_id FROM effects", Integer.class)).containsExactly(1);
	}

	@Test
	void handlerFailureRollsBackTheTransactionsEffectsAndPosition() throws Exception {
		Effects failing = new Effects();
		failing.failOn = (id) -> id == 5;
		try (ChangeStream stream = stream(failing, store(), ErrorPolicy.STOP, 0).start()) {
			insertTransactions(1, 2, 3);
			await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.FAILED);
		}
		// rows 4 and 5 of the failed transaction were written and rolled back with it
		assertThat(jdbc.queryForList("SELECT source_id FROM effects ORDER BY 1", Integer.class)).containsExactly(1, 2, 3);
		assertThat(failing.calls).containsKeys(4, 5).doesNotContainKey(6);
		long stored = storedLsn(this.slot);
		Integer secondCommit = jdbc.queryForObject("SELECT count(*)::int FROM effects", Integer.class);
		assertThat(secondCommit).isEqualTo(3);

		Effects working = new Effects();
		try (ChangeStream stream = stream(working, store(), ErrorPolicy.STOP, 0).start()) {
			await().atMost(TIMEOUT).until(() -> effectCount() == 6);
		}
		assertThat(working.calls.keySet()).containsOnly(4, 5, 6);
		assertThat(storedLsn(this.slot)).isGreaterThan(stored);
		assertExactlyOneEffectEach(6);
	}

	@Test
	void retryAfterAFailedStatementStartsFromACleanSavepoint() throws Exception {
		database.execute("CREATE UNIQUE INDEX effects_once ON effects (source_id, handler)");
		Effects flaky = new Effects();
		AtomicInteger attempts = new AtomicInteger();
		flaky.beforeReturn = (id) -> {
			if (id == 2 && attempts.incrementAndGet() == 1) {
				// the effect is written, then a statement fails: PostgreSQL aborts the whole transaction
				jdbc.update("INSERT INTO effects VALUES (?, ?)", id, "effects");
			}
		};
		try (ChangeStream stream = stream(flaky, store(), ErrorPolicy.STOP, 2).start()) {
			insertTransactions(1, 1, 3);
			await().atMost(TIMEOUT).until(() -> effectCount() == 3);
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			await().atMost(TIMEOUT).until(() -> storedLsn(this.slot) > 0);
		}
		assertThat(attempts).hasValue(2);
		assertExactlyOneEffectEach(3);
	}

	@Test
	void skippedCallLeavesNothingBehindAndTheTransactionStillStoresItsPosition() throws Exception {
		Effects failing = new Effects();
		failing.failOn = (id) -> id == 2;
		CdcErrorHandler deadLetter = (failure) -> {
			for (var event : failure.events()) {
				jdbc.update("INSERT INTO dead_letters VALUES (?)", ((ChangeEvent) event).newRecord().get("id"));
			}
		};
		JdbcOffsetStore store = store();
		try (ChangeStream stream = stream(failing, store, ErrorPolicy.SKIP, 1, deadLetter).start()) {
			insertTransactions(1, 1, 3);
			await().atMost(TIMEOUT).until(() -> storedLsn(this.slot) > 0);
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
		}
		// the failing call wrote its effect before throwing, twice (one retry): both undone
		assertThat(jdbc.queryForList("SELECT source_id FROM effects ORDER BY 1", Integer.class)).containsExactly(1, 3);
		assertThat(jdbc.queryForList("SELECT source_id FROM dead_letters", Integer.class)).containsExactly(2);
		assertThat(failing.calls.get(2)).hasValue(2);

		Effects again = new Effects();
		try (ChangeStream stream = stream(again, store(), ErrorPolicy.SKIP, 1, deadLetter).start()) {
			insertTransactions(4, 1, 1);
			await().atMost(TIMEOUT).until(() -> effectCount() == 3);
		}
		assertThat(again.calls.keySet()).containsOnly(4);
	}

	@Test
	void stopInTheMiddleOfATransactionRollsItBack() throws Exception {
		Effects blocking = new Effects();
		CountDownLatch reached = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		blocking.beforeReturn = (id) -> {
			if (id == 2) {
				reached.countDown();
				release.await(60, TimeUnit.SECONDS);
			}
		};
		ChangeStream stream = stream(blocking, store(), ErrorPolicy.STOP, 0).start();
		// one transaction of 4 rows: batches (1, 2) and (3, 4)
		insertTransactions(1, 1, 4);
		assertThat(reached.await(60, TimeUnit.SECONDS)).isTrue();
		CountDownLatch stopped = new CountDownLatch(1);
		stream.stop(stopped::countDown);
		await().atMost(TIMEOUT).until(() -> !stream.isRunning());
		release.countDown();
		assertThat(stopped.await(60, TimeUnit.SECONDS)).isTrue();
		// rolled back, not left open on a connection idle in transaction
		await().atMost(TIMEOUT).until(() -> jdbc.queryForObject("SELECT count(*)::int FROM pg_stat_activity"
				+ " WHERE datname = current_database() AND state LIKE 'idle in transaction%'", Integer.class) == 0);
		assertThat(effectCount()).isZero();
		assertThat(storedLsn(this.slot)).isZero();

		Effects after = new Effects();
		try (ChangeStream restarted = stream(after, store(), ErrorPolicy.STOP, 0).start()) {
			await().atMost(TIMEOUT).until(() -> effectCount() == 4);
		}
		assertExactlyOneEffectEach(4);
	}

	@Test
	void pauseWaitsForTheEndOfTheTransactionInProgress() throws Exception {
		Effects pausing = new Effects();
		java.util.concurrent.atomic.AtomicReference<ChangeStream> started = new java.util.concurrent.atomic.AtomicReference<>();
		pausing.beforeReturn = (id) -> {
			if (id == 1) {
				started.get().pause();
			}
		};
		try (ChangeStream stream = stream(pausing, store(), ErrorPolicy.STOP, 0).start()) {
			started.set(stream);
			// one transaction of 4 rows, batches (1, 2) and (3, 4): the pause comes during the first
			insertTransactions(1, 1, 4);
			await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.PAUSED);
			// committed before pausing, not held open in a database transaction while paused
			assertThat(effectCount()).isEqualTo(4);
			stream.resume();
			insertTransactions(5, 1, 1);
			await().atMost(TIMEOUT).until(() -> effectCount() == 5);
		}
		assertExactlyOneEffectEach(5);
	}

	@Test
	void walsenderTerminatedAfterTheHandlersCommitDeliversNothingTwice() throws Exception {
		Effects killing = new Effects();
		killing.beforeReturn = (id) -> {
			if (id == 4) {
				// the connection dies while the transaction is handled: its commit's acknowledgement cannot reach the server
				jdbc.queryForList("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ?",
						this.slot);
			}
		};
		try (ChangeStream stream = stream(killing, store(), ErrorPolicy.STOP, 0).start()) {
			insertTransactions(1, 3, 2);
			await().atMost(TIMEOUT).until(() -> stream.status().reconnects() >= 1 && effectCount() == 6);
			insertTransactions(7, 1, 2);
			await().atMost(TIMEOUT).until(() -> effectCount() == 8);
		}
		assertExactlyOneEffectEach(8);
	}

	@Test
	void schemaQualifiedQuotedTableIsCreated() throws Exception {
		database.execute("CREATE SCHEMA IF NOT EXISTS cdc_state");
		JdbcOffsetStore store = new JdbcOffsetStore(new DataSourceTransactionManager(dataSource), dataSource,
				"cdc_state.\"Offsets\"");
		assertThat(store.table()).isEqualTo("\"cdc_state\".\"Offsets\"");
		store.load("quoted");
		assertThat(jdbc.queryForObject("SELECT lsn FROM cdc_state.\"Offsets\" WHERE stream_name = 'quoted'", Long.class))
			.isZero();
		assertThat(new JdbcOffsetStore(new DataSourceTransactionManager(dataSource), dataSource, "pgcdc_offsets").table())
			.isEqualTo("\"pgcdc_offsets\"");
	}

	@Test
	void batchWithoutItsFirstIsRefused() {
		JdbcOffsetStore store = store();
		assertThatIllegalStateException()
			.isThrownBy(() -> store.deliver(batch("0/3000", false, true), lsn("0/3080"), (batch) -> {
			}))
			.withMessageContaining("without its first batch");
	}

	private ChangeStreamBuilderFacade stream(Effects effects, JdbcOffsetStore store, ErrorPolicy policy, int retries) {
		return stream(effects, store, policy, retries, null);
	}

	private ChangeStreamBuilderFacade stream(Effects effects, JdbcOffsetStore store, ErrorPolicy policy, int retries,
			@Nullable CdcErrorHandler errorHandler) {
		HandlerRegistry registry = new HandlerRegistry();
		registry.register(new HandlerDefinition("effects", "effects", effects, Effects.METHOD, 0,
				Set.of(TableName.parse("items")), EventFilter.acceptAll(), null));
		HandlerMulticaster multicaster = new HandlerMulticaster(registry,
				HandlerMulticaster.retryPolicy(retries, Duration.ofMillis(1), 1, Duration.ofMillis(1)), policy, errorHandler);
		multicaster.setCallScope(store);
		return new ChangeStreamBuilderFacade(ChangeStream.builder()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.tables("items")
			.publication("offsets_pub")
			.slot(this.slot)
			.durable(true)
			.batchSize(2)
			.backOff(new FixedBackOff(100, FixedBackOff.UNLIMITED_ATTEMPTS))
			.offsetStore(store)
			.handler(multicaster));
	}

	/** The builder, so the tests read {@code stream(...).start()}. */
	private record ChangeStreamBuilderFacade(dev.pgcdc.replication.ChangeStreamBuilder builder) {

		ChangeStream start() {
			return this.builder.start();
		}

	}

	private static JdbcOffsetStore store() {
		return new JdbcOffsetStore(new DataSourceTransactionManager(dataSource), dataSource, JdbcOffsetStore.DEFAULT_TABLE);
	}

	private static TransactionBatch batch(String lsn, boolean first, boolean last) {
		return new TransactionBatch(1, lsn, null, List.of(), first, last);
	}

	private static LogSequenceNumber lsn(String text) {
		return LogSequenceNumber.valueOf(text);
	}

	private static void write(AtomicInteger calls, int sourceId) {
		calls.incrementAndGet();
		jdbc.update("INSERT INTO effects VALUES (?, 'direct')", sourceId);
	}

	private static void insertTransactions(int firstId, int transactions, int rowsEach) throws SQLException {
		try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.username(),
				database.password())) {
			connection.setAutoCommit(false);
			int id = firstId;
			for (int t = 0; t < transactions; t++) {
				for (int r = 0; r < rowsEach; r++) {
					connection.createStatement().execute("INSERT INTO items VALUES (" + id++ + ")");
				}
				connection.commit();
			}
		}
	}

	private static int effectCount() {
		Integer count = jdbc.queryForObject("SELECT count(*)::int FROM effects", Integer.class);
		return (count != null) ? count : 0;
	}

	private static void assertExactlyOneEffectEach(int sources) {
		List<Map<String, Object>> counts = jdbc.queryForList(
				"SELECT i.id, count(e.source_id) AS effects FROM items i LEFT JOIN effects e ON e.source_id = i.id GROUP BY i.id ORDER BY i.id");
		assertThat(counts).hasSize(sources);
		assertThat(counts).allSatisfy((row) -> assertThat(((Number) row.get("effects")).intValue())
			.as("effects of source row %s", row.get("id"))
			.isEqualTo(1));
	}

	private static long storedLsn(String stream) {
		List<Long> rows = jdbc.queryForList("SELECT lsn FROM pgcdc_offsets WHERE stream_name = ?", Long.class, stream);
		return rows.isEmpty() ? 0 : rows.get(0);
	}

	private static long confirmedFlush(String slot) {
		List<String> rows = jdbc.queryForList(
				"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?", String.class, slot);
		return (rows.isEmpty() || rows.get(0) == null) ? 0 : LogSequenceNumber.valueOf(rows.get(0)).asLong();
	}

	/** A handler writing one effect row per source row, on the application's database. */
	static final class Effects {

		static final Method METHOD;

		static {
			try {
				METHOD = Effects.class.getDeclaredMethod("onItem", ChangeEvent.class);
			}
			catch (NoSuchMethodException ex) {
				throw new IllegalStateException(ex);
			}
		}

		final Map<Integer, AtomicInteger> calls = new ConcurrentHashMap<>();

		volatile IntPredicate failOn = (id) -> false;

		volatile SourceAction beforeReturn = (id) -> {
		};

		void onItem(ChangeEvent event) throws Exception {
			int id = ((Number) event.newRecord().get("id")).intValue();
			this.calls.computeIfAbsent(id, (key) -> new AtomicInteger()).incrementAndGet();
			jdbc.update("INSERT INTO effects VALUES (?, ?)", id, "effects");
			this.beforeReturn.accept(id);
			if (this.failOn.test(id)) {
				throw new IllegalStateException("cannot handle item " + id);
			}
		}

	}

	@FunctionalInterface
	interface SourceAction {

		void accept(int id) throws Exception;

	}

}
