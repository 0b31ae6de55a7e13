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

	private final EmbeddedPostgres postgres;

	private final Map<String, String> settings;

	private DedicatedPostgres(EmbeddedPostgres postgres, Map<String, String> settings) {
		this.postgres = postgres;
		this.settings = settings;
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
			EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setOverrideWorkingDirectory(work.toFile())
				.setCleanDataDirectory(true);
			effective.forEach(builder::setServerConfig);
			return new DedicatedPostgres(builder.start(), Map.copyOf(effective));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start a dedicated embedded PostgreSQL with " + settings, ex);
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
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot stop " + describe(), ex);
		}
	}

}
