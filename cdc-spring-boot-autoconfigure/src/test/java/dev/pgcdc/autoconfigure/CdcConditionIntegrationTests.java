package dev.pgcdc.autoconfigure;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.autoconfigure.endpoint.CdcEndpoint;
import dev.pgcdc.autoconfigure.endpoint.CdcEndpointAutoConfiguration;
import dev.pgcdc.dispatch.CdcErrorHandler;
import dev.pgcdc.dispatch.HandlerFailure;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SpEL conditions in a Spring Boot application: one the read-only context cannot run fails
 * start-up; on a real PostgreSQL, one that fails on a row is reported by handler, condition
 * and error type, and the row's values reach no log line, exception message or endpoint field.
 */
@ExtendWith(OutputCaptureExtension.class)
class CdcConditionIntegrationTests {

	private static final String SECRET = "secret-value-123";

	// a text column read as a boolean: SpEL's ConversionFailedException quotes the value
	private static final String CONDITION = "#new['secret'] and true";

	private static final JsonMapper json = JsonMapper.builder().build();

	private static ApplicationContextRunner runner(TestDatabase database) {
		return CdcHandlersIntegrationTests.runner(database)
			.withConfiguration(AutoConfigurations.of(CdcEndpointAutoConfiguration.class, EndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=cdc");
	}

	@Test
	void aFailingConditionReportsNoRowValue(CapturedOutput output) {
		Logger pgcdc = (Logger) LoggerFactory.getLogger("dev.pgcdc");
		Level level = pgcdc.getLevel();
		// every level pgcdc logs at, debug included
		pgcdc.setLevel(Level.DEBUG);
		try (TestDatabase database = TestPostgres.createDatabase("spring_condition")) {
			database.execute("CREATE TABLE secrets (id int PRIMARY KEY, secret text)");
			// SKIP (the default for a temporary slot): logged, and handed to the error handler
			runner(database).withUserConfiguration(SkippedHandler.class).run((context) -> {
				CdcHandlersIntegrationTests.awaitStreaming(context);
				database.execute("INSERT INTO secrets VALUES (1, '" + SECRET + "')");
				SkippedHandler handler = context.getBean(SkippedHandler.class);
				await().untilAsserted(() -> assertThat(handler.failures).hasSize(1));
				HandlerFailure failure = handler.failures.get(0);
				assertThat(failure.handlerId()).isEqualTo("leaky");
				assertThat(printed(failure.error())).contains(CONDITION, "ConversionFailedException").doesNotContain(SECRET);
				assertThat(endpoint(context)).contains("leaky", CONDITION).doesNotContain(SECRET);
			});
			// STOP (the default for a durable slot): the stream fails, saying why
			runner(database).withUserConfiguration(StoppingHandler.class)
				.withPropertyValues("cdc.slot.durable=true", "cdc.slot.name=spring_condition_slot")
				.run((context) -> {
					CdcHandlersIntegrationTests.awaitStreaming(context);
					database.execute("INSERT INTO secrets VALUES (2, '" + SECRET + "')");
					await().atMost(Duration.ofSeconds(30))
						.untilAsserted(() -> assertThat(context.getBean(CdcStreamLifecycle.class).getStream().state())
							.isEqualTo(StreamState.FAILED));
					assertThat(context.getBean(CdcEndpoint.class).status().lastError().message()).contains("leaky",
							CONDITION);
					assertThat(endpoint(context)).doesNotContain(SECRET);
				});
		}
		finally {
			pgcdc.setLevel(level);
		}
		assertThat(output).contains("leaky", CONDITION, "ConversionFailedException").doesNotContain(SECRET);
	}

	@Test
	void aConditionTheReadOnlyContextCannotRunFailsStartUp() {
		// start-up, not the first event: no database, no stream needed
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, JacksonAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false")
			.withUserConfiguration(MethodCallHandler.class)
			.run((context) -> assertThat(context).getFailure()
				.hasMessageContaining("bean 'cdcConditionIntegrationTests.MethodCallHandler' method 'handle(ChangeEvent)'")
				.hasMessageContaining("method call isEmpty() at position 15 is not allowed")
				.hasMessageContaining("#new.done"));
	}

	private static String printed(Throwable error) {
		StringWriter printed = new StringWriter();
		error.printStackTrace(new PrintWriter(printed));
		return printed.toString();
	}

	private static String endpoint(AssertableApplicationContext context) {
		return json.writeValueAsString(context.getBean(CdcEndpoint.class).status());
	}

	@Configuration(proxyBeanMethods = false)
	static class MethodCallHandler {

		@OnInsert(table = "secrets", condition = "#event.changes.isEmpty()")
		void handle(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SkippedHandler {

		final List<HandlerFailure> failures = Collections.synchronizedList(new ArrayList<>());

		@OnInsert(table = "secrets", id = "leaky", condition = CONDITION)
		void handle(ChangeEvent event) {
		}

		@Bean
		CdcErrorHandler deadLetter() {
			return this.failures::add;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class StoppingHandler {

		@OnInsert(table = "secrets", id = "leaky", condition = CONDITION)
		void handle(ChangeEvent event) {
		}

	}

}
