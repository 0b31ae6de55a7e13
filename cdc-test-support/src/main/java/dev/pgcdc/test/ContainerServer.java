package dev.pgcdc.test;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A Testcontainers PostgreSQL, only loaded when {@code pgcdc.test.testcontainers=true}.
 */
final class ContainerServer implements PostgresServer {

	private final PostgreSQLContainer container;

	private ContainerServer(PostgreSQLContainer container) {
		this.container = container;
	}

	/**
	 * @return whether a Docker engine answers, so Testcontainers can be used
	 */
	static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (Throwable ex) {
			return false;
		}
	}

	static ContainerServer start(String majorVersion) {
		if (!dockerAvailable()) {
			throw new IllegalStateException(
					"pgcdc.test.testcontainers=true but no Docker engine answers; unset it to use embedded PostgreSQL");
		}
		PostgreSQLContainer container = new PostgreSQLContainer("postgres:" + majorVersion)
			.withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=64", "-c",
					"max_wal_senders=64", "-c", "max_connections=200", "-c", "fsync=off");
		container.start();
		Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "pgcdc-test-container-stop"));
		return new ContainerServer(container);
	}

	@Override
	public String jdbcUrl(String database) {
		return "jdbc:postgresql://" + this.container.getHost() + ":" + this.container.getMappedPort(5432) + "/"
				+ database;
	}

	@Override
	public String username() {
		return this.container.getUsername();
	}

	@Override
	public String password() {
		return this.container.getPassword();
	}

	@Override
	public String describe() {
		return "Testcontainers " + this.container.getDockerImageName();
	}

}
