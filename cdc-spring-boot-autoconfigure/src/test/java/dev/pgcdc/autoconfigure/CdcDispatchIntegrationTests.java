package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.annotation.OnEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cdc.dispatch.concurrency}: validated at start-up, refused with the jdbc offset store, and
 * annotated handlers run on several threads with each row's changes in order.
 */
class CdcDispatchIntegrationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, JacksonAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false");

	@Test
	void concurrencyBelowOneFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("cdc.dispatch.concurrency=0")
			.run((context) -> CdcOffsetsAutoConfigurationTests.assertFailed(context, "cdc.dispatch.concurrency", "must be at least 1"));
	}

	@Test
	void concurrencyAboveOneWithTheJdbcOffsetStoreFailsNamingBothProperties() {
		this.contextRunner.withUserConfiguration(CdcOffsetsAutoConfigurationTests.DataSourceAndTransactionManager.class)
			.withPropertyValues("cdc.offsets.store=jdbc", "cdc.dispatch.concurrency=4")
			.run((context) -> CdcOffsetsAutoConfigurationTests.assertFailed(context, "cdc.dispatch.concurrency", "cdc.offsets.store=jdbc",
					"cdc.dispatch.concurrency=1"));
	}

	@Test
	void annotatedHandlersRunInParallelWithEachRowInOrder() {
		try (TestDatabase database = TestPostgres.createDatabase("spring_dispatch")) {
			database.execute("CREATE TABLE accounts (id int PRIMARY KEY, version int NOT NULL)");
			CdcHandlersIntegrationTests.runner(database)
				.withUserConfiguration(AccountHandlers.class)
				.withPropertyValues("cdc.dispatch.concurrency=4")
				.run((context) -> {
					CdcHandlersIntegrationTests.awaitStreaming(context);
					database.execute("INSERT INTO accounts SELECT i, 0 FROM generate_series(1, 20) i");
					for (int version = 1; version <= 5; version++) {
						for (int id = 1; id <= 20; id++) {
							database.execute("UPDATE accounts SET version = " + version + " WHERE id = " + id);
						}
					}
					assertThat(context.getBean(CdcSubscriptions.class).awaitCaughtUp(Duration.ofSeconds(120))).isTrue();
					Versions versions = context.getBean(Versions.class);
					assertThat(versions.seen).hasSize(20);
					versions.seen.values().forEach((seen) -> assertThat(seen).containsExactly(0, 1, 2, 3, 4, 5));
					assertThat(versions.maxConcurrent.get()).isGreaterThan(1);
				});
		}
	}

	static final class Versions {

		final Map<Integer, List<Integer>> seen = new ConcurrentHashMap<>();

		final AtomicInteger concurrent = new AtomicInteger();

		final AtomicInteger maxConcurrent = new AtomicInteger();

		@OnEvent("accounts")
		void changed(ChangeEvent event) throws InterruptedException {
			this.maxConcurrent.accumulateAndGet(this.concurrent.incrementAndGet(), Math::max);
			try {
				// I/O-bound work
				Thread.sleep(5);
				this.seen.computeIfAbsent((Integer) event.newRecord().get("id"), (id) -> new CopyOnWriteArrayList<>())
					.add((Integer) event.newRecord().get("version"));
			}
			finally {
				this.concurrent.decrementAndGet();
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AccountHandlers {

		@Bean
		Versions versions() {
			return new Versions();
		}

	}

}
