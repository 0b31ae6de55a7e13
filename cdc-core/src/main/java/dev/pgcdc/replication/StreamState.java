package dev.pgcdc.replication;

/** The states of a {@link ChangeStream}, as shown by the endpoint and health indicator. */
public enum StreamState {
	/** Connecting, checking the server, preparing publication and slot. */
	STARTING,
	/** Receiving and dispatching changes. */
	STREAMING,
	/** Connected, but dispatch is paused on request. */
	PAUSED,
	/** The connection was lost; retrying with back-off. */
	RECONNECTING,
	/** The durable slot is held by another consumer; retrying until it frees. */
	STANDBY,
	/** Stopped by an error that retrying cannot fix (see the last error). */
	FAILED,
	/** Not running. */
	STOPPED
}
