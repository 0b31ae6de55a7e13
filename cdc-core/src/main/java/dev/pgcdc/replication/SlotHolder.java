package dev.pgcdc.replication;

import org.jspecify.annotations.Nullable;

/**
 * The process that holds a replication slot.
 *
 * @param pid the walsender's process id
 * @param clientAddress the client's address, {@code null} for a Unix socket or when not visible
 * @param applicationName the client's {@code application_name}, or {@code null}
 */
record SlotHolder(int pid, @Nullable String clientAddress, @Nullable String applicationName) {

	@Override
	public String toString() {
		return "pid " + this.pid + " (client " + ((this.clientAddress != null) ? this.clientAddress
				: "address unknown: a local socket, or not visible without pg_read_all_stats")
				+ ((this.applicationName != null && !this.applicationName.isEmpty())
						? ", application '" + this.applicationName + "'" : "")
				+ ")";
	}

}
