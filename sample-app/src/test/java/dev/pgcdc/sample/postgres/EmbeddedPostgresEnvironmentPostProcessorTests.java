package dev.pgcdc.sample.postgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The embedded server's life: started for an application without a datasource URL, with
 * logical WAL, kept in its data directory, and stopped with the application context.
 */
class EmbeddedPostgresEnvironmentPostProcessorTests {

	@Test
	void startsALogicalReplicationServerWhenNoUrlIsSetAndStopsItWithTheContext(@TempDir Path data) throws Exception {
		String url;
		try (ConfigurableApplicationContext context = run("--sample.embedded-postgres.port=0",
				"--sample.embedded-postgres.data-directory=" + data)) {
			ConfigurableEnvironment environment = context.getEnvironment();
			url = environment.getProperty("spring.datasource.url");
			assertThat(url).startsWith("jdbc:postgresql://localhost:");
			assertThat(environment.getProperty("spring.datasource.username")).isEqualTo("postgres");
			assertThat(environment.getProperty(EmbeddedPostgresEnvironmentPostProcessor.EMBEDDED_PROPERTY))
				.isEqualTo("true");
			assertThat(setting(url, "wal_level")).isEqualTo("logical");
			assertThat(Files.exists(data.resolve("PG_VERSION"))).as("the cluster lives in the data directory").isTrue();
		}
		assertThatExceptionOfType(SQLException.class).as("stopped with the context")
			.isThrownBy(() -> DriverManager.getConnection(url, "postgres", "").close());
		assertThat(Files.exists(data.resolve("PG_VERSION"))).as("a persistent cluster is kept").isTrue();
	}

	@Test
	void aTemporaryClusterIsDeletedOnStop() {
		Path data;
		try (ConfigurableApplicationContext context = run("--sample.embedded-postgres.port=0",
				"--sample.embedded-postgres.temporary=true")) {
			String url = context.getEnvironment().getProperty("spring.datasource.url");
			data = context.getBean(EmbeddedPostgresServer.class).dataDirectory();
			assertThat(url).isNotNull();
			assertThat(Files.exists(data)).isTrue();
		}
		assertThat(Files.exists(data)).isFalse();
	}

	@Test
	void aConfiguredUrlWinsAndNoServerStarts() {
		try (ConfigurableApplicationContext context = run("--spring.datasource.url=jdbc:postgresql://db.example:5432/app")) {
			assertThat(context.getEnvironment().getProperty("spring.datasource.url"))
				.isEqualTo("jdbc:postgresql://db.example:5432/app");
			assertThat(context.getEnvironment()
				.getPropertySources()
				.contains(EmbeddedPostgresEnvironmentPostProcessor.PROPERTY_SOURCE_NAME)).isFalse();
			assertThat(context.getBeansOfType(EmbeddedPostgresServer.class)).isEmpty();
		}
	}

	private static ConfigurableApplicationContext run(String... args) {
		return new SpringApplicationBuilder(Empty.class).web(WebApplicationType.NONE).run(args);
	}

	private static String setting(String url, String name) throws SQLException {
		try (Connection connection = DriverManager.getConnection(url, "postgres", "");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT current_setting('" + name + "')")) {
			rows.next();
			return rows.getString(1);
		}
	}

	/** No beans: only the environment and the server's life matter here. */
	@Configuration(proxyBeanMethods = false)
	static class Empty {

	}

}
