package dev.pgcdc.replication;

/** How the stream treats its publication. */
public enum PublicationMode {
	/** Create the publication if missing and keep its tables in step with the subscription. */
	AUTO,
	/** Use the publication as it is; fail clearly if it does not exist. */
	EXISTING
}
