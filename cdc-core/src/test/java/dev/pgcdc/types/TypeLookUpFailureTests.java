package dev.pgcdc.types;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Type look-ups against a real catalog that fails or hangs: they give up within their timeout,
 * and a failed one is tried again later without the server announcing the type again.
 */
class TypeLookUpFailureTests {

	private static TestDatabase database;

	private static JdbcTypeCatalog catalog;

	private static int posint;

	private static int moodArray;

	private final ListAppender<ILoggingEvent> log = new ListAppender<>();

	@BeforeAll
	static void createTypes() throws Exception {
		database = TestPostgres.createDatabase("types_failure");
		database.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')", "CREATE DOMAIN posint AS int4 CHECK (VALUE > 0)");
		catalog = new JdbcTypeCatalog(FixtureColumn.connections(database));
		posint = oid("posint");
		moodArray = oid("_mood");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@BeforeEach
	void captureWarnings() {
		this.log.start();
		((Logger) LoggerFactory.getLogger(TypeRegistry.class)).addAppender(this.log);
	}

	@AfterEach
	void stopCapturing() {
		((Logger) LoggerFactory.getLogger(TypeRegistry.class)).detachAppender(this.log);
	}

	@Test
	void aFailedLookUpIsTriedAgainAfterTheIntervalWithoutTheServerResendingTheType() {
		AtomicInteger calls = new AtomicInteger();
		TypeCatalog failingTwice = (oid) -> {
			if (calls.incrementAndGet() <= 2) {
				throw new IllegalStateException("Cannot connect to read pg_type: Connection refused");
			}
			return catalog.find(oid);
		};
		AtomicLong now = new AtomicLong(Long.MAX_VALUE - Duration.ofSeconds(45).toNanos());
		TypeRegistry registry = new TypeRegistry(failingTwice, Duration.ofSeconds(30), now::get);

		assertThat(text(registry, posint, "5")).isEqualTo("5");
		// while the catalog is failing, other types are not looked up either: no second stall
		assertThat(text(registry, moodArray, "{happy}")).isEqualTo("{happy}");
		now.addAndGet(Duration.ofSeconds(29).toNanos());
		assertThat(text(registry, posint, "5")).isEqualTo("5");
		assertThat(calls).hasValue(1);
		assertThat(warnings()).hasSize(1);

		now.addAndGet(Duration.ofSeconds(1).toNanos());
		assertThat(text(registry, posint, "5")).isEqualTo("5");
		assertThat(calls).hasValue(2);
		assertThat(warnings()).hasSize(2);

		// the clock wraps past Long.MAX_VALUE here, as System.nanoTime may
		now.addAndGet(Duration.ofSeconds(30).toNanos());
		assertThat(text(registry, posint, "5")).isEqualTo(5);
		assertThat(text(registry, moodArray, "{happy,sad}")).isEqualTo(List.of("happy", "sad"));
		assertThat(registry.typeName(posint)).isEqualTo("posint");
		assertThat(calls).as("posint, _mood and mood, after two failures").hasValue(5);
		assertThat(warnings()).hasSize(2).allSatisfy((warning) -> assertThat(warning).contains("Connection refused"));
	}

	@Test
	void aLookUpWaitingOnTheCatalogGivesUpAfterItsTimeout() throws Exception {
		JdbcTypeCatalog impatient = new JdbcTypeCatalog(FixtureColumn.connections(database), Duration.ofSeconds(1));
		try (Connection locker = database.connect(); Statement statement = locker.createStatement()) {
			locker.setAutoCommit(false);
			statement.execute("LOCK TABLE pg_catalog.pg_type IN ACCESS EXCLUSIVE MODE");
			assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatIllegalStateException()
				.isThrownBy(() -> impatient.find(posint))
				.withMessageContaining("Cannot read pg_type for type OID " + posint)
				.withMessageContaining("canceling statement"));
			locker.rollback();
		}
		assertThat(impatient.find(posint)).isPresent();
	}

	private List<String> warnings() {
		return this.log.list.stream()
			.filter((event) -> event.getLevel() == Level.WARN)
			.map(ILoggingEvent::getFormattedMessage)
			.toList();
	}

	private static Object text(TypeRegistry registry, int typeOid, String value) {
		byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
		return registry.decode(typeOid, bytes, 0, bytes.length, false);
	}

	private static int oid(String type) throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT '" + type + "'::regtype::oid::int8")) {
			row.next();
			return (int) row.getLong(1);
		}
	}

}
