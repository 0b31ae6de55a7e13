package dev.pgcdc.test;

import java.util.Map;

/**
 * The PostgreSQL every test in this JVM shares, started on first use.
 * <p>
 * Chosen by system properties (or the matching environment variables):
 * <ul>
 * <li>{@code pgcdc.test.url} ({@code PGCDC_TEST_URL}): an external server, for example
 * {@code jdbc:postgresql://localhost:5432/postgres}, with {@code pgcdc.test.username} and
 * {@code pgcdc.test.password}; it must run with {@code wal_level=logical};</li>
 * <li>{@code pgcdc.test.testcontainers=true} ({@code PGCDC_TEST_TESTCONTAINERS}): a
 * Testcontainers PostgreSQL (needs Docker) of version {@code pgcdc.test.pg-version};</li>
 * <li>otherwise embedded binaries from Maven Central (zonky), whose major version is picked
 * at build time with {@code -Dpg.version=14..18}.</li>
 * </ul>
 */
public final class TestPostgres {

	/** Server settings every test server gets, so logical replication works. */
	public static final Map<String, String> LOGICAL_REPLICATION_SETTINGS = Map.of("wal_level", "logical",
			"max_replication_slots", "64", "max_wal_senders", "64", "max_connections", "200",
			"wal_sender_timeout", "60s", "fsync", "off", "synchronous_commit", "off", "full_page_writes", "off");

	private static volatile PostgresServer server;

	private TestPostgres() {
	}

	/**
	 * @return the shared server, started if needed
	 */
	public static PostgresServer server() {
		PostgresServer current = server;
		if (current == null) {
			synchronized (TestPostgres.class) {
				current = server;
				if (current == null) {
					current = start();
					server = current;
				}
			}
		}
		return current;
	}

	/**
	 * Open a fresh database on the shared server.
	 * @param prefix a readable prefix for the database name
	 * @return the new database; close it to drop it along with its replication slots
	 */
	public static TestDatabase createDatabase(String prefix) {
		return TestDatabase.create(server(), prefix);
	}

	/**
	 * Start an embedded PostgreSQL of its own (always embedded binaries, whatever server the
	 * shared one is), for tests that need other settings, such as {@code wal_level=replica}.
	 * @param settings server settings over {@link #LOGICAL_REPLICATION_SETTINGS}
	 * @return the started server; close it to stop it
	 */
	public static DedicatedPostgres startDedicated(Map<String, String> settings) {
		return DedicatedPostgres.start(settings);
	}

	private static PostgresServer start() {
		String url = setting("pgcdc.test.url");
		if (url != null) {
			return new ExternalServer(url, orDefault(setting("pgcdc.test.username"), "postgres"),
					orDefault(setting("pgcdc.test.password"), ""));
		}
		if (Boolean.parseBoolean(setting("pgcdc.test.testcontainers"))) {
			return ContainerServer.start(orDefault(setting("pgcdc.test.pg-version"), "17"));
		}
		DedicatedPostgres shared = DedicatedPostgres.start(Map.of());
		Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "pgcdc-test-pg-stop"));
		return shared;
	}

	static String setting(String name) {
		String value = System.getProperty(name);
		if (value == null || value.isBlank()) {
			value = System.getenv(name.toUpperCase().replace('.', '_').replace('-', '_'));
		}
		return (value == null || value.isBlank()) ? null : value;
	}

	private static String orDefault(String value, String fallback) {
		return (value != null) ? value : fallback;
	}

	/** Server given by URL. */
	private record ExternalServer(String url, String username, String password) implements PostgresServer {

		@Override
		public String jdbcUrl(String database) {
			int slash = this.url.indexOf('/', "jdbc:postgresql://".length());
			int query = this.url.indexOf('?', slash);
			return this.url.substring(0, slash + 1) + database + ((query >= 0) ? this.url.substring(query) : "");
		}

		@Override
		public String describe() {
			return "external PostgreSQL at " + this.url;
		}
	}

}
