package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bugs found in review, each shown by a test that failed before its fix.
 */
class StreamRegressionTests {

	@Test
	void domainsAndArraysOfEnumsAreResolvedThroughTheCatalogByDefault() {
		try (TestDatabase database = TestPostgres.createDatabase("regress_types")) {
			database.execute("CREATE DOMAIN posint AS int4 CHECK (VALUE > 0)",
					"CREATE TYPE mood AS ENUM ('happy', 'sad')",
					"CREATE TABLE t (id int PRIMARY KEY, d posint, ds posint[], moods mood[], m mood)");
			Recorder recorder = new Recorder();
			try (ChangeStream stream = ChangeStreamTests.stream(database, "regress_types_pub").tables("t")
				.handler(recorder)
				.start()) {
				database.execute("INSERT INTO t VALUES (1, 5, '{1,2}', '{happy,sad}', 'sad')");
				await().atMost(Duration.ofSeconds(60)).until(() -> recorder.changes().size() == 1);
				Map<String, Object> row = recorder.changes().get(0).newRecord();
				assertThat(row.get("d")).isEqualTo(5);
				assertThat(row.get("ds")).isEqualTo(List.of(1, 2));
				assertThat(row.get("moods")).isEqualTo(List.of("happy", "sad"));
				assertThat(row.get("m")).isEqualTo("sad");
			}
		}
	}

	@Test
	void aHandlerRestoringTheInterruptFlagDoesNotStallTheStream() {
		try (TestDatabase database = TestPostgres.createDatabase("regress_interrupt")) {
			database.execute("CREATE TABLE t (id int PRIMARY KEY)");
			AtomicInteger seen = new AtomicInteger();
			try (ChangeStream stream = ChangeStreamTests.stream(database, "regress_interrupt_pub").tables("t")
				.onEvent((event) -> {
					if (seen.incrementAndGet() == 1) {
						// the usual idiom after catching InterruptedException in handler code
						Thread.currentThread().interrupt();
					}
				})
				.start()) {
				database.execute("INSERT INTO t VALUES (1)");
				await().atMost(Duration.ofSeconds(30)).until(() -> seen.get() == 1);
				database.execute("INSERT INTO t VALUES (2)");
				await().atMost(Duration.ofSeconds(30)).until(() -> seen.get() == 2);
				assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			}
		}
	}

}
