package dev.pgcdc.replication;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A snapshot of a {@link ChangeStream} for the endpoint, health and metrics.
 *
 * @param state the current state
 * @param slot the replication slot name
 * @param durable whether the slot is permanent
 * @param publication the publication name
 * @param serverVersion the server version, once connected
 * @param receivedLsn the last LSN received from the server
 * @param flushedLsn the last LSN acknowledged to the server as handled
 * @param lastHandledCommit the commit time of the last fully handled transaction
 * @param lastError the last error message
 * @param lastErrorTime when it happened
 * @param transactions the number of transactions handled
 * @param events the number of events handled
 * @param reconnects the number of reconnects
 */
public record StreamStatus(StreamState state, String slot, boolean durable, String publication,
		@Nullable String serverVersion, @Nullable String receivedLsn, @Nullable String flushedLsn,
		@Nullable Instant lastHandledCommit, @Nullable String lastError, @Nullable Instant lastErrorTime,
		long transactions, long events, long reconnects) {
}
