package dev.pgcdc.sample;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.pgcdc.sample.activity.ActivityLog;
import dev.pgcdc.sample.feed.ChangeEntry;
import dev.pgcdc.sample.feed.LiveFeed;
import dev.pgcdc.sample.postgres.EmbeddedPostgresEnvironmentPostProcessor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The app on the official PostgreSQL image, configured the way a user points it at a server
 * of their own: {@code spring.datasource.url} set, so no embedded server is started. Runs
 * where a Docker engine answers and is skipped, saying why, where none does.
 */
class SampleContainerTests {

	static final Duration TIMEOUT = Duration.ofSeconds(60);

	static PostgreSQLContainer postgres;

	static ConfigurableApplicationContext app;

	static final String NO_DOCKER = "No Docker engine answers here, so the Testcontainers variant of the app test"
			+ " is skipped; SampleApplicationTests runs the same checks on the embedded PostgreSQL";

	@BeforeAll
	static void start() {
		if (!dockerAvailable()) {
			return;
		}
		postgres = new PostgreSQLContainer("postgres:17").withCommand("postgres", "-c", "wal_level=logical");
		postgres.start();
		app = new SpringApplicationBuilder(SampleApplication.class).run("--server.port=0",
				"--spring.datasource.url=" + postgres.getJdbcUrl(),
				"--spring.datasource.username=" + postgres.getUsername(),
				"--spring.datasource.password=" + postgres.getPassword());
	}

	@AfterAll
	static void stop() {
		if (app != null) {
			app.close();
		}
		if (postgres != null) {
			postgres.stop();
		}
	}

	@BeforeEach
	void needsDocker() {
		assumeTrue(app != null, NO_DOCKER);
	}

	@Test
	void usesTheGivenServerAndSeesChangesFromAnotherClient() {
		assertThat(app.getEnvironment().getPropertySources()
			.contains(EmbeddedPostgresEnvironmentPostProcessor.PROPERTY_SOURCE_NAME)).as("no embedded server")
			.isFalse();
		OutsideClient sql = OutsideClient.of(app.getEnvironment());
		sql.execute("INSERT INTO users (email, name) VALUES ('docker@example.com', 'Dora Docker')");
		sql.execute("INSERT INTO todos (user_id, title) SELECT id, 'Ship it' FROM users WHERE email = 'docker@example.com'");

		ActivityLog activity = app.getBean(ActivityLog.class);
		LiveFeed feed = app.getBean(LiveFeed.class);
		await().atMost(TIMEOUT)
			.until(() -> activity.recent()
				.stream()
				.anyMatch((each) -> each.handler().equals("welcome") && each.text().contains("docker@example.com")));
		await().atMost(TIMEOUT)
			.until(() -> feed.recent()
				.stream()
				.map(LiveFeed.Entry::data)
				.anyMatch((data) -> data instanceof ChangeEntry change && change.table().equals("todos")
						&& "Ship it".equals(change.row().get("title"))));
	}

	private static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (Throwable ex) {
			return false;
		}
	}

}
