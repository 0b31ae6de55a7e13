package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A handled transaction reaches the server promptly, not with the next periodic status update.
 */
class AcknowledgementTests {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("acks");
		database.execute("CREATE TABLE payments (id int PRIMARY KEY)");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void aHandledTransactionIsConfirmedOnTheSlotWithinASecond() throws Exception {
		Recorder recorder = new Recorder();
		try (ChangeStream stream = ChangeStreamTests.stream(database, "acks_pub")
			.tables("payments")
			.durable(true)
			.slot("acks_slot")
			// far beyond the test's patience: only a prompt acknowledgement can pass it
			.statusInterval(Duration.ofMinutes(10))
			.handler(recorder)
			.start()) {
			String before = walInsertPosition();
			database.execute("INSERT INTO payments VALUES (1)");
			await().atMost(Duration.ofSeconds(60)).until(() -> recorder.changes().size() == 1);
			// the server's keepalive (wal_sender_timeout / 2 = 30 s) would confirm it too, but much later
			await().atMost(Duration.ofSeconds(5)).until(() -> confirmedFlush("acks_slot") > lsn(before));
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
		}
		finally {
			database.execute("SELECT pg_drop_replication_slot('acks_slot')");
		}
	}

	private static long lsn(String text) {
		return org.postgresql.replication.LogSequenceNumber.valueOf(text).asLong();
	}

	private static String walInsertPosition() throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
			row.next();
			return row.getString(1);
		}
	}

	private static long confirmedFlush(String slot) throws Exception {
		try (Connection connection = database.connect(); PreparedStatement statement = connection
			.prepareStatement("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet row = statement.executeQuery()) {
				return (row.next() && row.getString(1) != null) ? lsn(row.getString(1)) : 0;
			}
		}
	}

}
