package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code start()} must not hang on the server: a slot waits for open transactions, DDL waits for locks.
 */
class StartupWaitTests {

	@Test
	@Timeout(120)
	void aSessionIdleInTransactionDoesNotHoldStartUp() throws Exception {
		try (TestDatabase database = TestPostgres.createDatabase("startup_wait")) {
			database.execute("CREATE TABLE t (id int PRIMARY KEY)", "CREATE TABLE other (id int)");
			Recorder recorder = new Recorder();
			try (Connection idle = database.connect(); Statement statement = idle.createStatement()) {
				idle.setAutoCommit(false);
				// a transaction with an xid: creating a slot waits until it ends
				statement.execute("INSERT INTO other VALUES (1)");
				try (ChangeStream stream = ChangeStreamTests.stream(database, "startup_wait_pub").tables("t")
					.startupWait(Duration.ofSeconds(1))
					.handler(recorder)
					.start()) {
					assertThat(stream.state()).isEqualTo(StreamState.STARTING);
					idle.commit();
					await().atMost(Duration.ofSeconds(60)).until(() -> stream.state() == StreamState.STREAMING);
					database.execute("INSERT INTO t VALUES (1)");
					await().atMost(Duration.ofSeconds(30)).until(() -> recorder.changes().size() == 1);
				}
			}
		}
	}

	@Test
	@Timeout(120)
	void aTableLockedByALongTransactionIsRetriedInsteadOfQueuingBehindIt() throws Exception {
		try (TestDatabase database = TestPostgres.createDatabase("startup_lock")) {
			database.execute("CREATE TABLE t (id int PRIMARY KEY)");
			Recorder recorder = new Recorder();
			try (Connection holder = database.connect(); Statement statement = holder.createStatement()) {
				holder.setAutoCommit(false);
				// ALTER TABLE ... REPLICA IDENTITY FULL needs an ACCESS EXCLUSIVE lock
				statement.execute("LOCK TABLE t IN ACCESS SHARE MODE");
				try (ChangeStream stream = ChangeStreamTests.stream(database, "startup_lock_pub").tables("t")
					.handler(recorder)
					.start()) {
					assertThat(stream.state()).isEqualTo(StreamState.RECONNECTING);
					assertThat(stream.status().lastError()).contains("lock timeout");
					holder.commit();
					await().atMost(Duration.ofSeconds(60)).until(() -> stream.state() == StreamState.STREAMING);
					database.execute("INSERT INTO t VALUES (1)");
					await().atMost(Duration.ofSeconds(30)).until(() -> recorder.changes().size() == 1);
				}
			}
		}
	}

}
