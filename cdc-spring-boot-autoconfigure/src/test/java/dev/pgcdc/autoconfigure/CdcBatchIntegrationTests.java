package dev.pgcdc.autoconfigure;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code List<ChangeEvent>} handlers on a real PostgreSQL: one call per transaction, large
 * transactions in chunks of at most {@code cdc.batch-size} events.
 */
class CdcBatchIntegrationTests {

	@Test
	void largeTransactionsReachListHandlersInBoundedChunks() {
		try (TestDatabase database = TestPostgres.createDatabase("spring_batch")) {
			database.execute("CREATE TABLE lines (id int PRIMARY KEY)");
			CdcHandlersIntegrationTests.runner(database)
				.withUserConfiguration(ListHandler.class)
				.withPropertyValues("cdc.batch-size=4")
				.run((context) -> {
					CdcHandlersIntegrationTests.awaitStreaming(context);
					ListHandler handler = context.getBean(ListHandler.class);
					database.execute("INSERT INTO lines SELECT generate_series(1, 10)", "INSERT INTO lines VALUES (11)");
					await().untilAsserted(() -> assertThat(handler.chunks.stream().mapToInt(List::size).sum()).isEqualTo(11));
					assertThat(handler.chunks).allSatisfy((chunk) -> assertThat(chunk.size()).isBetween(1, 4));
					assertThat(handler.chunks.get(handler.chunks.size() - 1)).singleElement()
						.satisfies((event) -> assertThat(String.valueOf(event.newRecord().get("id"))).isEqualTo("11"));
					List<String> ids = handler.chunks.stream()
						.flatMap(List::stream)
						.map((event) -> String.valueOf(event.newRecord().get("id")))
						.toList();
					assertThat(ids).containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11");
				});
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class ListHandler {

		final List<List<ChangeEvent>> chunks = Collections.synchronizedList(new ArrayList<>());

		@OnInsert("lines")
		void inserted(List<ChangeEvent> events) {
			this.chunks.add(events);
		}

	}

}
