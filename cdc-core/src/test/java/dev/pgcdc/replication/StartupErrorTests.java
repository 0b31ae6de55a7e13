package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;

import dev.pgcdc.test.DedicatedPostgres;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.FixedBackOff;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Bad configuration fails {@code start()} with one message that says what to do; an
 * unreachable server does not.
 */
class StartupErrorTests {

	private static TestDatabase database;

	private static final String ROLE = "cdc_plain_" + ProcessHandle.current().pid();

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("startup");
		database.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD 'secret'");
	}

	@AfterAll
	static void dropDatabase() {
		database.execute("DROP OWNED BY " + ROLE);
		database.close();
		try (var connection = database.server().adminConnection(); var statement = connection.createStatement()) {
			statement.execute("DROP ROLE IF EXISTS " + ROLE);
		}
		catch (java.sql.SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A stream logging in as the unprivileged role (the URL must not name a user of its own). */
	private static ChangeStreamBuilder asRole(String publication) {
		return stream(database, publication).url(database.jdbcUrl().replaceAll("user=[^&]*&?", ""))
			.username(ROLE)
			.password("secret");
	}

	@Test
	void walLevelNotLogicalSaysHowToFixIt() {
		try (DedicatedPostgres server = TestPostgres.startDedicated(Map.of("wal_level", "replica"));
				TestDatabase replica = server.createDatabase("replica")) {
			replica.execute("CREATE TABLE t (id int PRIMARY KEY)");
			assertThatExceptionOfType(CdcConfigurationException.class)
				.isThrownBy(() -> stream(replica, "p").tables("t").handler(new Recorder()).start())
				.withMessageContaining("wal_level = replica")
				.withMessageContaining("ALTER SYSTEM SET wal_level = logical")
				.withMessageContaining("rds.logical_replication");
		}
	}

	@Test
	void roleWithoutReplicationSaysWhichAlterRoleToRun() {
		database.execute("CREATE TABLE guarded (id int PRIMARY KEY)");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> asRole("p").tables("guarded")
				.handler(new Recorder())
				.start())
			.withMessageContaining("User '" + ROLE + "' may not stream changes")
			.withMessageContaining("ALTER ROLE \"" + ROLE + "\" REPLICATION");
	}

	@Test
	void roleThatDoesNotOwnTheTableSaysWhoDoes() {
		database.execute("CREATE TABLE not_mine (id int PRIMARY KEY)", "ALTER ROLE " + ROLE + " REPLICATION");
		try {
			assertThatExceptionOfType(CdcConfigurationException.class)
				.isThrownBy(() -> asRole("p").tables("not_mine")
					.handler(new Recorder())
					.start())
				.withMessageContaining("Cannot set REPLICA IDENTITY FULL on public.not_mine")
				.withMessageContaining("does not own it (the owner is 'postgres')")
				.withMessageContaining("UNCHANGED");
		}
		finally {
			database.execute("ALTER ROLE " + ROLE + " NOREPLICATION");
		}
	}

	@Test
	void roleThatMayNotCreateThePublicationChangesNothing() throws Exception {
		database.execute("CREATE TABLE own_table (id int PRIMARY KEY)", "ALTER TABLE own_table OWNER TO " + ROLE,
				"ALTER ROLE " + ROLE + " REPLICATION");
		try {
			assertThatExceptionOfType(CdcConfigurationException.class)
				.isThrownBy(() -> asRole("own_pub").tables("own_table").handler(new Recorder()).start())
				.withMessageContaining("Cannot manage publication own_pub")
				.withMessageContaining("lacks the CREATE privilege on the database");
			assertThat(TableResolverTests.relreplident(database, "own_table")).as("replica identity left as it was")
				.isEqualTo("d");
		}
		finally {
			database.execute("ALTER ROLE " + ROLE + " NOREPLICATION");
		}
	}

	@Test
	void missingTableIsNamedWithSimilarTables() {
		database.execute("CREATE SCHEMA sales", "CREATE TABLE sales.invoices (id int PRIMARY KEY)");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> stream(database, "p").tables("invoices").handler(new Recorder()).start())
			.withMessageContaining("Table public.invoices does not exist in database " + database.name())
			.withMessageContaining("sales.invoices");
	}

	@Test
	void existingPublicationModeNeedsThePublication() throws Exception {
		database.execute("CREATE TABLE listed (id int PRIMARY KEY)");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> stream(database, "absent_pub").publicationMode(PublicationMode.EXISTING)
				.tables("listed")
				.handler(new Recorder())
				.start())
			.withMessageContaining("Publication absent_pub does not exist")
			.withMessageContaining("CREATE PUBLICATION \"absent_pub\"");
		assertThat(TableResolverTests.relreplident(database, "listed")).as("replica identity left as it was")
			.isEqualTo("d");
	}

	@Test
	void startupCheckFailureFailsStart() {
		database.execute("CREATE TABLE checked (id int PRIMARY KEY, status text)");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> stream(database, "checked_pub").tables("checked").handler(new Recorder())
				.startupCheck((tables) -> {
					if (!tables.iterator().next().columns().containsKey("state")) {
						throw new CdcConfigurationException("handler filter names column 'state', which checked lacks");
					}
				})
				.start())
			.withMessageContaining("column 'state'");
	}

	@Test
	void unreachableServerIsRetriedInTheBackground() throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		assertThat(lastErrorRetrying("jdbc:postgresql://127.0.0.1:" + port + "/nowhere"))
			.contains("127.0.0.1:" + port + "/nowhere: connection refused")
			.doesNotContain("secret");
	}

	@Test
	void unknownHostIsNamedWithTheCause() {
		assertThat(lastErrorRetrying("jdbc:postgresql://no-such-host.invalid:5432/db?password=secret"))
			.contains("no-such-host.invalid:5432/db")
			.contains("unknown host no-such-host.invalid")
			.doesNotContain("secret");
	}

	/** Start a stream on a server it cannot reach: it retries in the background. */
	private static String lastErrorRetrying(String url) {
		ChangeStream stream = ChangeStream.builder()
			.url(url)
			.username("nobody")
			.password("secret")
			.tables("t")
			.backOff(new FixedBackOff(100, FixedBackOff.UNLIMITED_ATTEMPTS))
			.handler(new Recorder())
			.start();
		try {
			assertThat(stream.isRunning()).isTrue();
			assertThat(stream.state()).isEqualTo(StreamState.RECONNECTING);
			await().atMost(Duration.ofSeconds(30)).until(() -> stream.status().lastError() != null);
			return stream.status().lastError();
		}
		finally {
			stream.stop();
			assertThat(stream.state()).isEqualTo(StreamState.STOPPED);
		}
	}

	@Test
	void builderNamesWhatIsMissing() {
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> ChangeStream.builder().handler(new Recorder()).build())
			.withMessageContaining("url");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> ChangeStream.builder().url("jdbc:postgresql://localhost/x").build())
			.withMessageContaining("handler(...) or onEvent(...)");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> ChangeStream.builder().url("jdbc:postgresql://localhost/x").batchSize(0).onEvent((e) -> {
			}).build())
			.withMessageContaining("batchSize");
	}

	@Test
	void derivedSlotNamesAreValidAndPerInstanceWhenTemporary() {
		ChangeStream temporary = ChangeStream.builder().url("jdbc:postgresql://localhost/x").applicationName("My App!")
			.onEvent((e) -> {
			}).build();
		ChangeStream other = ChangeStream.builder().url("jdbc:postgresql://localhost/x").applicationName("My App!")
			.onEvent((e) -> {
			}).build();
		ChangeStream durable = ChangeStream.builder().url("jdbc:postgresql://localhost/x").applicationName("My App!")
			.durable(true)
			.onEvent((e) -> {
			}).build();
		assertThat(temporary.slot()).matches("my_app__slot_[a-z0-9_]+").hasSizeLessThanOrEqualTo(63);
		assertThat(temporary.slot()).isNotEqualTo(other.slot());
		assertThat(durable.slot()).isEqualTo("my_app__slot");
		assertThat(durable.publication()).isEqualTo("my_app__publication");
		assertThat(ChangeStream.builder().url("jdbc:postgresql://localhost/x").durable(true).onEvent((e) -> {
		}).build().slot()).isEqualTo("cdc_slot");
		assertThat(StreamNames.defaultSlot("x".repeat(100), true)).hasSizeLessThanOrEqualTo(63);
	}

}
