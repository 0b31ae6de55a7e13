package dev.pgcdc.replication;

/**
 * What the stream learned about the server at start-up.
 *
 * @param version the version as the server reports it ({@code 17.6})
 * @param versionNumber {@code server_version_num} ({@code 170006})
 * @param database the database name
 * @param user the user the stream runs as
 */
record ServerInfo(String version, int versionNumber, String database, String user) {

	/**
	 * The pgoutput protocol version to request: 1 before PostgreSQL 14, 2 on 14 and 15, 4 from 16.
	 * @return the {@code proto_version}
	 */
	int protocolVersion() {
		if (this.versionNumber >= 160000) {
			return 4;
		}
		return (this.versionNumber >= 140000) ? 2 : 1;
	}

	/** @return whether {@code pgoutput} can stream in-progress transactions (PostgreSQL 14+) */
	boolean supportsStreaming() {
		return this.versionNumber >= 140000;
	}

	/** @return whether {@code pgoutput} can send binary values (PostgreSQL 14+) */
	boolean supportsBinary() {
		return this.versionNumber >= 140000;
	}

	/** @return whether slots can be failover slots (PostgreSQL 17+) */
	boolean supportsFailover() {
		return this.versionNumber >= 170000;
	}

	/** @return whether {@code pgoutput} accepts {@code messages 'true'} (PostgreSQL 14+) */
	boolean supportsMessages() {
		return this.versionNumber >= 140000;
	}

}
