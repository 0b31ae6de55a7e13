package dev.pgcdc.benchmark;

import dev.pgcdc.test.PostgresServer;
import dev.pgcdc.test.TestPostgres;

/**
 * Start the embedded PostgreSQL {@link TestPostgres} provides (with its logical replication
 * settings), print {@code URL <jdbc url>}, and keep it running until this JVM is stopped
 * (SIGTERM stops the server too), so that several benchmark JVMs share one server.
 */
public final class BenchServer {

	private BenchServer() {
	}

	public static void main(String[] args) throws InterruptedException {
		PostgresServer server = TestPostgres.server();
		System.out.println("SERVER " + server.describe());
		System.out.println("URL " + server.jdbcUrl("postgres"));
		System.out.flush();
		Thread.currentThread().join();
	}

}
