package dev.pgcdc.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * An embedded PostgreSQL of its own, started with given settings, for tests that need a
 * server the shared one cannot be (for example {@code wal_level=replica}). Close it to stop it.
 */
public final class DedicatedPostgres implements PostgresServer, AutoCloseable {

	private final Map<String, String> settings;

	private final Path work;

	private volatile EmbeddedPostgres postgres;

	private DedicatedPostgres(EmbeddedPostgres postgres, Map<String, String> settings, Path work) {
		this.postgres = postgres;
		this.settings = settings;
		this.work = work;
	}

	/**
	 * @param settings server settings, over the defaults of
	 * {@link TestPostgres#LOGICAL_REPLICATION_SETTINGS}
	 * @return the started server
	 */
	static DedicatedPostgres start(Map<String, String> settings) {
		Map<String, String> effective = new LinkedHashMap<>(TestPostgres.LOGICAL_REPLICATION_SETTINGS);
		effective.putAll(settings);
		try {
			Path work = Files.createTempDirectory("pgcdc-test-pg-dedicated");
			return new DedicatedPostgres(start(work, effective, 0), Map.copyOf(effective), work);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start a dedicated embedded PostgreSQL with " + settings, ex);
		}
	}

	/** The data directory survives a {@link #restart()}, so it is deleted by {@link #close()} instead. */
	private static EmbeddedPostgres start(Path work, Map<String, String> settings, int port) throws IOException {
		EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setOverrideWorkingDirectory(work.toFile())
			.setDataDirectory(work.resolve("data"))
			.setCleanDataDirectory(false);
		if (port != 0) {
			builder.setPort(port);
		}
		settings.forEach(builder::setServerConfig);
		return builder.start();
	}

	/**
	 * Stop the server and start it again on the same port and data: clients see their
	 * connections end and the server come back, as after a real restart.
	 */
	public void restart() {
		int port = this.postgres.getPort();
		try {
			this.postgres.close();
			this.postgres = start(this.work, this.settings, port);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot restart " + describe(), ex);
		}
	}

	@Override
	public String jdbcUrl(String database) {
		return this.postgres.getJdbcUrl("postgres", database);
	}

	@Override
	public String username() {
		return "postgres";
	}

	@Override
	public String password() {
		return "";
	}

	@Override
	public String describe() {
		return "dedicated embedded PostgreSQL on port " + this.postgres.getPort() + " with " + this.settings;
	}

	/** @return the port the server listens on */
	public int port() {
		return this.postgres.getPort();
	}

	/**
	 * Open a fresh database on this server.
	 * @param prefix a readable prefix for the database name
	 * @return the new database
	 */
	public TestDatabase createDatabase(String prefix) {
		return TestDatabase.create(this, prefix);
	}

	/** Stop the server and delete its data. */
	@Override
	public void close() {
		try {
			this.postgres.close();
			try (java.util.stream.Stream<Path> files = Files.walk(this.work)) {
				files.sorted(java.util.Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot stop " + describe(), ex);
		}
	}

}
