package dev.pgcdc.sample.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.commons.logging.Log;

import org.springframework.util.FileSystemUtils;

/**
 * A PostgreSQL server run from the binaries on the class path (zonky), set up for logical
 * replication. Closing it stops the server; a temporary data directory is deleted with it.
 */
final class EmbeddedPostgresServer implements AutoCloseable {

	/** The settings logical replication needs, plus a little headroom for slots. */
	static final Map<String, String> LOGICAL_REPLICATION = Map.of("wal_level", "logical", "max_wal_senders", "10",
			"max_replication_slots", "10", "listen_addresses", "localhost");

	static final String USERNAME = "postgres";

	static final String DATABASE = "postgres";

	private final EmbeddedPostgres postgres;

	private final Path dataDirectory;

	private final boolean temporary;

	private final Log log;

	private final AtomicBoolean closed = new AtomicBoolean();

	private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDirectory, boolean temporary, Log log) {
		this.postgres = postgres;
		this.dataDirectory = dataDirectory;
		this.temporary = temporary;
		this.log = log;
	}

	/**
	 * Start a server.
	 * @param dataDirectory where the cluster lives; an existing cluster is reused
	 * @param temporary whether to delete the data directory when the server stops
	 * @param port the preferred port; {@code 0} or a port in use means any free port
	 * @param log where to report
	 * @return the running server
	 */
	static EmbeddedPostgresServer start(Path dataDirectory, boolean temporary, int port, Log log) {
		try {
			Files.createDirectories(dataDirectory);
			EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
				.setDataDirectory(dataDirectory)
				.setCleanDataDirectory(temporary)
				// stopped by the application after its beans are gone, not concurrently with them
				.setRegisterShutdownHook(false);
			if (port > 0 && isFree(port)) {
				builder.setPort(port);
			}
			else if (port > 0) {
				log.warn("Port " + port + " is in use; the embedded PostgreSQL takes a free port instead");
			}
			LOGICAL_REPLICATION.forEach(builder::setServerConfig);
			return new EmbeddedPostgresServer(builder.start(), dataDirectory, temporary, log);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start the embedded PostgreSQL in " + dataDirectory
					+ " (set spring.datasource.url to use a server of your own)", ex);
		}
	}

	private static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** @return the JDBC URL of the {@code postgres} database */
	String jdbcUrl() {
		return "jdbc:postgresql://localhost:" + this.postgres.getPort() + "/" + DATABASE;
	}

	/** @return the port the server listens on */
	int port() {
		return this.postgres.getPort();
	}

	/** @return where the cluster's files are */
	Path dataDirectory() {
		return this.dataDirectory;
	}

	/** Stop the server (once; later calls do nothing). */
	@Override
	public void close() {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		try {
			this.postgres.close();
			if (this.temporary) {
				FileSystemUtils.deleteRecursively(this.dataDirectory);
			}
			this.log.info("Stopped the embedded PostgreSQL on port " + port());
		}
		catch (IOException ex) {
			this.log.warn("Could not stop the embedded PostgreSQL cleanly: " + ex.getMessage());
		}
	}

	@Override
	public String toString() {
		return "embedded PostgreSQL at " + jdbcUrl() + " (data in " + this.dataDirectory + ")";
	}

}
