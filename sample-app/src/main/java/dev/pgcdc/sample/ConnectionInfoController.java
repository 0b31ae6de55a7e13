package dev.pgcdc.sample;

import java.net.URI;

import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.pgcdc.sample.postgres.EmbeddedPostgresEnvironmentPostProcessor;

/**
 * {@code GET /api/connection}: which PostgreSQL the app uses, so the page can show the
 * {@code psql} command that reaches it. Never the password.
 */
@RestController
class ConnectionInfoController {

	private final ConnectionInfo info;

	ConnectionInfoController(Environment environment) {
		String url = environment.getProperty("spring.datasource.url", "");
		String username = environment.getProperty("spring.datasource.username", "postgres");
		boolean embedded = environment.getProperty(EmbeddedPostgresEnvironmentPostProcessor.EMBEDDED_PROPERTY,
				Boolean.class, false);
		this.info = new ConnectionInfo(url, username, embedded, psql(url, username));
	}

	@GetMapping("/api/connection")
	ConnectionInfo connection() {
		return this.info;
	}

	static String psql(String jdbcUrl, String username) {
		try {
			URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
			String database = uri.getPath().isEmpty() ? "postgres" : uri.getPath().substring(1);
			return "psql -h " + uri.getHost() + " -p " + ((uri.getPort() > 0) ? uri.getPort() : 5432) + " -U "
					+ username + " " + database;
		}
		catch (RuntimeException ex) {
			return "psql";
		}
	}

	/**
	 * @param url the JDBC URL
	 * @param username the user name
	 * @param embedded whether it is the sample's embedded server
	 * @param psql a psql command line that connects to it
	 */
	record ConnectionInfo(String url, String username, boolean embedded, String psql) {
	}

}
