package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.List;

import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code cdc.offsets.store=jdbc} in a Boot application on a real PostgreSQL: a handler writing
 * with the application's {@code JdbcTemplate} takes part in the transaction that stores the
 * position, so a failure rolls its work back and the next start does it exactly once.
 */
class CdcOffsetsIntegrationTests {

	@Test
	void handlersUsingTheApplicationsJdbcTemplateCommitWithThePosition() {
		try (TestDatabase database = TestPostgres.createDatabase("spring_offsets")) {
			database.execute("CREATE TABLE items (id int PRIMARY KEY, name text)",
					"CREATE TABLE effects (source_id int NOT NULL)");
			ApplicationContextRunner runner = CdcHandlersIntegrationTests.runner(database)
				.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
						DataSourceTransactionManagerAutoConfiguration.class, JdbcTemplateAutoConfiguration.class))
				.withPropertyValues("cdc.offsets.store=jdbc", "cdc.slot.durable=true", "cdc.slot.name=spring_offsets_slot",
						"cdc.retry.max-retries=0");
			runner.withBean(EffectWriter.class, () -> new EffectWriter(true)).run((context) -> {
				CdcHandlersIntegrationTests.awaitStreaming(context);
				database.execute("INSERT INTO items VALUES (1, 'fine')",
						"BEGIN; INSERT INTO items VALUES (2, 'fine'); INSERT INTO items VALUES (3, 'poison'); COMMIT");
				await().atMost(Duration.ofSeconds(60))
					.untilAsserted(() -> assertThat(context.getBean(CdcStreamLifecycle.class).getStream().state())
						.isEqualTo(StreamState.FAILED));
				// the failed transaction's effects (row 2 written, then row 3 failed) are rolled back with it
				assertThat(effects(context.getBean(JdbcTemplate.class))).containsExactly(1);
			});
			runner.withBean(EffectWriter.class, () -> new EffectWriter(false)).run((context) -> {
				CdcHandlersIntegrationTests.awaitStreaming(context);
				JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
				await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(effects(jdbc)).hasSize(3));
				assertThat(effects(jdbc)).containsExactly(1, 2, 3);
				assertThat(jdbc.queryForObject("SELECT lsn FROM pgcdc_offsets WHERE stream_name = 'spring_offsets_slot'",
						Long.class))
					.isPositive();
			});
		}
	}

	private static List<Integer> effects(JdbcTemplate jdbc) {
		return jdbc.queryForList("SELECT source_id FROM effects ORDER BY source_id", Integer.class);
	}

	static class EffectWriter {

		private final boolean failOnPoison;

		private JdbcTemplate jdbc;

		EffectWriter(boolean failOnPoison) {
			this.failOnPoison = failOnPoison;
		}

		@org.springframework.beans.factory.annotation.Autowired
		void setJdbc(JdbcTemplate jdbc) {
			this.jdbc = jdbc;
		}

		@OnInsert("items")
		void write(ChangeEvent event) {
			this.jdbc.update("INSERT INTO effects VALUES (?)", event.newRecord().get("id"));
			if (this.failOnPoison && "poison".equals(event.newRecord().get("name"))) {
				throw new IllegalStateException("poison");
			}
		}

	}

}
