package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code failover(true)}: the durable slot is a failover slot on PostgreSQL 17+, an existing
 * slot is altered to match, and an older server or a temporary slot fails start-up clearly.
 */
class SlotFailoverTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("failover");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void createsTheDurableSlotAsAFailoverSlotOrFailsBeforePostgres17() throws Exception {
		database.execute("CREATE TABLE accounts (id int PRIMARY KEY)");
		ChangeStreamBuilder builder = stream(database, "accounts_pub").tables("accounts")
			.slot("accounts_slot")
			.durable(true)
			.failover(true)
			.handler((batch) -> {
			});
		if (serverVersion() < 170000) {
			assertThatExceptionOfType(CdcConfigurationException.class).isThrownBy(builder::start)
				.withMessageContaining("cdc.slot.failover=true")
				.withMessageContaining("PostgreSQL 17")
				.withMessageContaining("set cdc.slot.failover=false");
			assertThat(slotExists("accounts_slot")).isFalse();
			return;
		}
		try (ChangeStream stream = builder.start()) {
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			assertThat(failover("accounts_slot")).isTrue();
		}
	}

	@Test
	void alignsAnExistingSlotsFailoverFlagWithTheSetting() throws Exception {
		assumeTrue(serverVersion() >= 170000, "failover slots need PostgreSQL 17+");
		database.execute("CREATE TABLE ledgers (id int PRIMARY KEY)",
				"SELECT pg_create_logical_replication_slot('ledgers_slot', 'pgoutput')");
		assertThat(failover("ledgers_slot")).isFalse();
		Recorder recorder = new Recorder();
		try (ChangeStream stream = stream(database, "ledgers_pub").tables("ledgers")
			.slot("ledgers_slot")
			.durable(true)
			.failover(true)
			.handler(recorder)
			.start()) {
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			assertThat(failover("ledgers_slot")).isTrue();
			database.execute("INSERT INTO ledgers VALUES (1)");
			await().atMost(TIMEOUT).until(() -> recorder.changes().size() == 1);
		}
		// the setting is the source of truth both ways
		try (ChangeStream stream = stream(database, "ledgers_pub").tables("ledgers")
			.slot("ledgers_slot")
			.durable(true)
			.handler(recorder)
			.start()) {
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			assertThat(failover("ledgers_slot")).isFalse();
		}
	}

	@Test
	void aTemporarySlotCannotFailOver() {
		assertThatExceptionOfType(InvalidStreamSettingException.class)
			.isThrownBy(() -> stream(database, "temporary_pub").tables("accounts").failover(true).handler((batch) -> {
			}).build())
			.satisfies((ex) -> assertThat(ex.setting()).isEqualTo("failover"))
			.withMessageContaining("cdc.slot.durable=true");
	}

	private static int serverVersion() throws SQLException {
		try (Connection connection = database.connect();
				ResultSet row = connection.createStatement().executeQuery("SHOW server_version_num")) {
			row.next();
			return row.getInt(1);
		}
	}

	private static boolean slotExists(String slot) throws SQLException {
		try (Connection connection = database.connect(); PreparedStatement statement = connection
			.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet row = statement.executeQuery()) {
				row.next();
				return row.getInt(1) == 1;
			}
		}
	}

	private static boolean failover(String slot) throws SQLException {
		try (Connection connection = database.connect(); PreparedStatement statement = connection
			.prepareStatement("SELECT failover FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet row = statement.executeQuery()) {
				assertThat(row.next()).as("slot %s exists", slot).isTrue();
				return row.getBoolean(1);
			}
		}
	}

}
