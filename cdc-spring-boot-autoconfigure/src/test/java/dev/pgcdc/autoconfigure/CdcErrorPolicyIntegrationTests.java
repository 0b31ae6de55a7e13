package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.dispatch.CdcErrorHandler;
import dev.pgcdc.dispatch.HandlerFailure;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Failing handlers on a real PostgreSQL: retried, then skipped to the dead letter, or
 * stopping the stream so that a durable slot delivers the transaction again.
 */
class CdcErrorPolicyIntegrationTests {

	@Test
	void failingHandlerIsRetriedThenSkippedToTheErrorHandler() {
		try (TestDatabase database = TestPostgres.createDatabase("spring_skip")) {
			database.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
			CdcHandlersIntegrationTests.runner(database)
				.withUserConfiguration(SkippingHandlers.class)
				.withPropertyValues("cdc.retry.max-retries=2", "cdc.retry.delay=10ms", "cdc.retry.max-delay=10ms")
				.run((context) -> {
					CdcHandlersIntegrationTests.awaitStreaming(context);
					SkippingHandlers handlers = context.getBean(SkippingHandlers.class);
					database.execute("INSERT INTO items VALUES (1, 'poison')", "INSERT INTO items VALUES (2, 'fine')");
					await().untilAsserted(() -> assertThat(handlers.after).containsExactly(1, 2));
					assertThat(handlers.attempts).containsExactly(1, 1, 1, 2);
					assertThat(handlers.deadLetters).singleElement().satisfies((failure) -> {
						assertThat(failure.handlerId()).isEqualTo("picky");
						assertThat(failure.attempts()).isEqualTo(3);
						assertThat(id((ChangeEvent) failure.events().get(0))).isEqualTo(1);
						assertThat(failure.error()).hasMessage("poison");
					});
					assertThat(context.getBean(HandlerRegistry.class).handler("picky").orElseThrow().stats().skipped())
						.isEqualTo(1);
					assertThat(context.getBean(CdcStreamLifecycle.class).getStream().state())
						.isEqualTo(StreamState.STREAMING);
				});
		}
	}

	@Test
	void stopPolicyLeavesTheTransactionUnacknowledgedForTheNextStart() {
		try (TestDatabase database = TestPostgres.createDatabase("spring_stop")) {
			database.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
			List<Integer> firstRun = Collections.synchronizedList(new ArrayList<>());
			List<Integer> secondRun = Collections.synchronizedList(new ArrayList<>());
			String[] properties = { "cdc.slot.durable=true", "cdc.slot.name=spring_stop_slot", "cdc.retry.max-retries=1",
					"cdc.retry.delay=10ms", "cdc.retry.max-delay=10ms" };
			CdcHandlersIntegrationTests.runner(database)
				.withBean(StoppingHandlers.class, () -> new StoppingHandlers(firstRun, true))
				.withPropertyValues(properties)
				.run((context) -> {
					CdcHandlersIntegrationTests.awaitStreaming(context);
					database.execute("INSERT INTO items VALUES (1, 'fine')", "INSERT INTO items VALUES (2, 'poison')",
							"INSERT INTO items VALUES (3, 'after')");
					await().atMost(Duration.ofSeconds(30))
						.untilAsserted(() -> assertThat(context.getBean(CdcStreamLifecycle.class).getStream().state())
							.isEqualTo(StreamState.FAILED));
					assertThat(firstRun).containsExactly(1, 2, 2);
				});
			CdcHandlersIntegrationTests.runner(database)
				.withBean(StoppingHandlers.class, () -> new StoppingHandlers(secondRun, false))
				.withPropertyValues(properties)
				.run((context) -> {
					CdcHandlersIntegrationTests.awaitStreaming(context);
					await().untilAsserted(() -> assertThat(secondRun).containsSubsequence(2, 3));
					assertThat(secondRun).doesNotContain(1);
				});
		}
	}

	/** The row's id, whatever its decoded type (these tests are about errors, not types). */
	static int id(ChangeEvent event) {
		return Integer.parseInt(String.valueOf(event.newRecord().get("id")));
	}

	@Configuration(proxyBeanMethods = false)
	static class SkippingHandlers {

		final List<Integer> attempts = Collections.synchronizedList(new ArrayList<>());

		final List<Integer> after = Collections.synchronizedList(new ArrayList<>());

		final List<HandlerFailure> deadLetters = Collections.synchronizedList(new ArrayList<>());

		@Order(1)
		@OnInsert(table = "items", id = "picky")
		void picky(ChangeEvent event) {
			int id = id(event);
			this.attempts.add(id);
			if ("poison".equals(event.newRecord().get("name"))) {
				throw new IllegalStateException("poison");
			}
		}

		@Order(2)
		@OnInsert("items")
		void after(ChangeEvent event) {
			this.after.add(id(event));
		}

		@Bean
		CdcErrorHandler deadLetter() {
			return this.deadLetters::add;
		}

	}

	static class StoppingHandlers {

		private final List<Integer> seen;

		private final boolean failOnPoison;

		StoppingHandlers(List<Integer> seen, boolean failOnPoison) {
			this.seen = seen;
			this.failOnPoison = failOnPoison;
		}

		@OnInsert("items")
		void inserted(ChangeEvent event) {
			this.seen.add(id(event));
			if (this.failOnPoison && "poison".equals(event.newRecord().get("name"))) {
				throw new IllegalStateException("poison");
			}
		}

	}

}
