package dev.pgcdc.sample;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import dev.pgcdc.sample.postgres.EmbeddedPostgresEnvironmentPostProcessor;

/**
 * Prints the one line a newcomer needs once the app is ready: where the page is and which
 * PostgreSQL it streams from (never the password).
 */
@Component
class StartupReport {

	private static final Logger logger = LoggerFactory.getLogger(StartupReport.class);

	@EventListener
	void ready(ApplicationReadyEvent event) {
		Environment environment = event.getApplicationContext().getEnvironment();
		String url = environment.getProperty("spring.datasource.url", "?");
		String username = environment.getProperty("spring.datasource.username", "?");
		String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
		boolean embedded = environment.getProperty(EmbeddedPostgresEnvironmentPostProcessor.EMBEDDED_PROPERTY,
				Boolean.class, false);
		String server = embedded ? "embedded PostgreSQL (wal_level=logical) at " + url + ", user " + username
				+ ", no password; try: " + ConnectionInfoController.psql(url, username)
				: "PostgreSQL at " + url + ", user " + username;
		logger.info("pgcdc sample ready: open http://localhost:{}/ | {}", port, server);
	}

}
