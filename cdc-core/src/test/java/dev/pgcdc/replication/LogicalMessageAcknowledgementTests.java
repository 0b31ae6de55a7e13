package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.FixedBackOff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A non-transactional logical message is acknowledged at the position pgoutput gives it (the end
 * of its WAL record), not past it: the commit record of the transaction that emitted it usually
 * starts right there, and the server skips a commit record that starts before the start position.
 */
class LogicalMessageAcknowledgementTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("message_acks");
		database.execute("CREATE TABLE notes (id int PRIMARY KEY)");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	private static ChangeStreamBuilder durable() {
		return ChangeStreamTests.stream(database, "message_acks_pub")
			.tables("notes")
			.slot("message_acks_slot")
			.durable(true)
			.backOff(new FixedBackOff(100, FixedBackOff.UNLIMITED_ATTEMPTS));
	}

	@Test
	void transactionCommittedRightAfterAMessageItEmittedIsDeliveredAfterARestart() {
		List<CdcEvent> first = new CopyOnWriteArrayList<>();
		try (ChangeStream stream = durable().handler((batch) -> {
			for (CdcEvent event : batch.events()) {
				first.add(event);
				if (event instanceof ChangeEvent) {
					throw new IllegalStateException("not now");
				}
			}
		}).start()) {
			// the message's record is written at once, the commit record follows it directly
			database.execute("BEGIN; INSERT INTO notes VALUES (1);"
					+ " SELECT pg_logical_emit_message(false, 'audit', 'note 1'); COMMIT");
			await().atMost(TIMEOUT).until(() -> stream.state() == StreamState.FAILED);
		}
		assertThat(first).first().isInstanceOf(LogicalMessage.class);
		Recorder again = new Recorder();
		try (ChangeStream stream = durable().handler(again).start()) {
			// the transaction the failure left unacknowledged comes again; the acknowledged message does not
			await().atMost(TIMEOUT).until(() -> again.changes().size() == 1);
			assertThat(again.all()).singleElement().isInstanceOf(ChangeEvent.class);
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
		}
	}

}
