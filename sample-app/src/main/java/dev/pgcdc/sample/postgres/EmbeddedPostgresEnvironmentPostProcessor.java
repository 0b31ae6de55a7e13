package dev.pgcdc.sample.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Starts an embedded PostgreSQL with {@code wal_level=logical} when no
 * {@code spring.datasource.url} is configured, and points {@code spring.datasource.*} at it.
 * That is what lets {@code ./mvnw -pl sample-app -am spring-boot:run} work on a machine with
 * nothing but a JDK.
 * <p>
 * It runs after the configuration files are read (lowest precedence), so a URL from a
 * profile ({@code --spring.profiles.active=external}), a command-line argument or the
 * {@code SPRING_DATASOURCE_URL} environment variable always wins and no server is started.
 * Settings, all optional:
 * <ul>
 * <li>{@code sample.embedded-postgres.port}: preferred port (default {@code 54320}; {@code 0}
 * for any free port);</li>
 * <li>{@code sample.embedded-postgres.data-directory}: where the cluster lives (default
 * {@code target/embedded-postgres} of the project, or the temp dir outside a build);</li>
 * <li>{@code sample.embedded-postgres.temporary}: whether to start from an empty cluster and
 * delete it on stop (default {@code false}: your data survives a restart).</li>
 * </ul>
 */
public class EmbeddedPostgresEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/** The name of the property source holding the embedded server's connection settings. */
	public static final String PROPERTY_SOURCE_NAME = "embeddedPostgres";

	/** Set to {@code true} in the environment when the embedded server is in use. */
	public static final String EMBEDDED_PROPERTY = "sample.embedded-postgres.running";

	private static final String PREFIX = "sample.embedded-postgres.";

	private static final int DEFAULT_PORT = 54320;

	private final Log log;

	/**
	 * Create the post-processor; Boot passes the factory because logging is not set up yet.
	 * @param logFactory the deferred log factory
	 */
	public EmbeddedPostgresEnvironmentPostProcessor(DeferredLogFactory logFactory) {
		this.log = logFactory.getLog(EmbeddedPostgresEnvironmentPostProcessor.class);
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (StringUtils.hasText(environment.getProperty("spring.datasource.url"))
				|| environment.getPropertySources().contains(PROPERTY_SOURCE_NAME)) {
			return;
		}
		boolean temporary = environment.getProperty(PREFIX + "temporary", Boolean.class, false);
		int port = environment.getProperty(PREFIX + "port", Integer.class, DEFAULT_PORT);
		Path dataDirectory = dataDirectory(environment.getProperty(PREFIX + "data-directory"), temporary);
		EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDirectory, temporary, port, this.log);
		this.log.info("Started " + server);
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.datasource.url", server.jdbcUrl());
		properties.put("spring.datasource.username", EmbeddedPostgresServer.USERNAME);
		properties.put("spring.datasource.password", "");
		properties.put(EMBEDDED_PROPERTY, true);
		environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, properties));
		application.addListeners(new EmbeddedPostgresShutdown(server));
		// the last word on a normal exit: runs after every context has closed
		SpringApplication.getShutdownHandlers().add(server::close);
	}

	private static Path dataDirectory(@Nullable String configured, boolean temporary) {
		try {
			if (StringUtils.hasText(configured)) {
				return Paths.get(configured).toAbsolutePath();
			}
			if (temporary) {
				return Files.createTempDirectory("pgcdc-sample-postgres");
			}
			Path target = buildOutputDirectory();
			return (target != null) ? target.resolve("embedded-postgres")
					: Paths.get(System.getProperty("java.io.tmpdir"), "pgcdc-sample-postgres");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot create a data directory for the embedded PostgreSQL", ex);
		}
	}

	/**
	 * The project's {@code target} directory when running from a Maven build
	 * ({@code target/classes} on the class path), otherwise {@code null}.
	 */
	private static @Nullable Path buildOutputDirectory() {
		try {
			CodeSource codeSource = EmbeddedPostgresEnvironmentPostProcessor.class.getProtectionDomain().getCodeSource();
			if (codeSource == null || codeSource.getLocation() == null) {
				return null;
			}
			Path classes = Paths.get(codeSource.getLocation().toURI());
			Path target = classes.getParent();
			boolean inBuild = Files.isDirectory(classes) && classes.getFileName() != null
					&& classes.getFileName().toString().equals("classes") && target != null
					&& target.getFileName() != null && target.getFileName().toString().equals("target");
			return inBuild ? target : null;
		}
		catch (URISyntaxException | SecurityException | IllegalArgumentException ex) {
			return null;
		}
	}

}
