package dev.pgcdc.autoconfigure;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A failed stream is visible to the process: liveness BROKEN, exit code 1, and with
 * {@code cdc.exit-on-failure} a worker without a web server really exits with status 1.
 */
class CdcStreamFailureIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	@Test
	void aFailedStreamBreaksLivenessAndGivesExitCodeOne() {
		try (TestDatabase database = TestPostgres.createDatabase("spring_liveness")) {
			database.execute("CREATE TABLE items (id int PRIMARY KEY)");
			CdcHandlersIntegrationTests.runner(database)
				.withConfiguration(AutoConfigurations.of(ApplicationAvailabilityAutoConfiguration.class))
				.withUserConfiguration(FailingHandler.class)
				.withPropertyValues("cdc.error-policy=stop", "cdc.retry.max-retries=0")
				.run((context) -> {
					CdcHandlersIntegrationTests.awaitStreaming(context);
					// as SpringApplication does once the application has started
					AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
					ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
					assertThat(availability.getLivenessState()).isEqualTo(LivenessState.CORRECT);
					database.execute("INSERT INTO items VALUES (1)");
					await().atMost(TIMEOUT)
						.until(() -> context.getBean(CdcStreamLifecycle.class).getStream().state() == StreamState.FAILED);
					await().atMost(TIMEOUT).until(() -> availability.getLivenessState() == LivenessState.BROKEN);
					assertThat(SpringApplication.exit(context.getSourceApplicationContext())).isEqualTo(1);
				});
		}
	}

	@Test
	void aWorkerWithExitOnFailureEndsWithStatusOne(@TempDir Path directory) throws Exception {
		try (TestDatabase database = TestPostgres.createDatabase("spring_exit")) {
			database.execute("CREATE TABLE items (id int PRIMARY KEY)");
			Path log = directory.resolve("worker.log");
			List<String> command = new ArrayList<>(List.of(
					Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
					System.getProperty("java.class.path"), FailingWorker.class.getName(),
					"--spring.datasource.url=" + database.jdbcUrl(), "--spring.datasource.username=" + database.username(),
					"--spring.datasource.password=" + database.password(), "--spring.application.name=failing-worker",
					"--cdc.error-policy=stop", "--cdc.retry.max-retries=0", "--cdc.exit-on-failure=true"));
			Process worker = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
			try {
				// the worker logs its state changes: once streaming, give it a change it cannot handle
				await().atMost(TIMEOUT).until(() -> Files.readString(log).contains("-> STREAMING"));
				database.execute("INSERT INTO items VALUES (1)");
				assertThat(worker.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("worker exited").isTrue();
				assertThat(worker.exitValue()).as(Files.readString(log)).isEqualTo(1);
			}
			finally {
				worker.destroyForcibly();
			}
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class FailingHandler {

		@OnInsert("items")
		void handle(ChangeEvent event) {
			throw new IllegalStateException("cannot handle item " + event.newRecord().get("id"));
		}

	}

	/** A worker without a web server whose only handler fails. */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ CdcAutoConfiguration.class, JacksonAutoConfiguration.class })
	static class FailingWorker {

		public static void main(String[] args) {
			SpringApplication application = new SpringApplication(FailingWorker.class, FailingHandler.class);
			application.setWebApplicationType(WebApplicationType.NONE);
			application.run(args);
		}

	}

}
