package dev.pgcdc.autoconfigure;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Streaming from the database of a {@link JdbcConnectionDetails} bean, as
 * {@code @ServiceConnection} and Docker Compose define it, without any
 * {@code spring.datasource.*} property.
 */
class CdcConnectionDetailsIntegrationTests {

	@Test
	void streamsFromTheApplicationsJdbcConnectionDetails() {
		try (TestDatabase database = TestPostgres.createDatabase("spring_details")) {
			database.execute("CREATE TABLE notes (id int PRIMARY KEY)");
			JdbcConnectionDetails details = new JdbcConnectionDetails() {

				@Override
				public String getJdbcUrl() {
					return database.jdbcUrl();
				}

				@Override
				public String getUsername() {
					return database.username();
				}

				@Override
				public String getPassword() {
					return database.password();
				}

			};
			new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, JacksonAutoConfiguration.class))
				.withPropertyValues("spring.application.name=details-test")
				.withBean(JdbcConnectionDetails.class, () -> details)
				.withUserConfiguration(NoteHandler.class)
				.run((context) -> {
					CdcHandlersIntegrationTests.awaitStreaming(context);
					database.execute("INSERT INTO notes VALUES (1)");
					NoteHandler handler = context.getBean(NoteHandler.class);
					await().untilAsserted(() -> assertThat(handler.events).singleElement()
						.satisfies((event) -> assertThat(event.newRecord()).containsEntry("id", 1)));
				});
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class NoteHandler {

		final List<ChangeEvent> events = new CopyOnWriteArrayList<>();

		@OnInsert("notes")
		void inserted(ChangeEvent event) {
			this.events.add(event);
		}

	}

}
