package dev.pgcdc.benchmark;

import java.net.URI;

import dev.pgcdc.test.TestDatabase;

/**
 * Where a drain reads from: the database, its publication and its slot (created before the
 * rows were inserted), and how many insert events wait in the slot.
 *
 * @param database the database
 * @param workload the workload's table in that database
 * @param publication the publication of {@link Workload#TABLE}
 * @param slot the pgoutput slot holding the changes
 * @param events how many insert events the slot holds
 * @param endLsn the server's WAL position after the last insert committed
 */
public record DrainTarget(TestDatabase database, Workload workload, String publication, String slot, long events,
		String endLsn) {

	/**
	 * A slot still being written to, as the latency measurement reads it: how many events it will
	 * hold and where the WAL will end are not known ({@code -1} and {@code ""}), so only a
	 * {@link StreamingEngine} can read it.
	 * @param database the database
	 * @param workload the workload's table in that database
	 * @param publication the publication of {@link Workload#TABLE}
	 * @param slot the pgoutput slot
	 * @return the target
	 */
	public static DrainTarget live(TestDatabase database, Workload workload, String publication, String slot) {
		return new DrainTarget(database, workload, publication, slot, -1, "");
	}

	/** @return the server's host name, from the JDBC URL */
	public String host() {
		return uri().getHost();
	}

	/** @return the server's port, from the JDBC URL */
	public int port() {
		int port = uri().getPort();
		return (port > 0) ? port : 5432;
	}

	private URI uri() {
		return URI.create(this.database.jdbcUrl().substring("jdbc:".length()));
	}

}
