/**
 * The replication stream: server checks, publication, replica identity and slot
 * administration, the reader thread, acknowledgement and reconnects.
 * <p>
 * {@link dev.pgcdc.replication.ChangeStream} is the entry point. Inside, start-up runs
 * {@code ServerCheck}, {@code TableResolver}, {@code ReplicaIdentityManager},
 * {@code PublicationManager} and {@code SlotManager} on a plain connection
 * ({@code StartupSequence}); {@code StreamRunner} then owns the reader thread: it opens a
 * {@code ReplicationSession}, runs the {@code StreamReader} loop (blocking read, decode,
 * {@code TransactionAssembler} into bounded batches, optionally {@code TransactionSpool} for
 * streamed transactions) and reconnects with back-off. The {@code HandoffQueue} thread hands
 * batches to the handler and tells the {@code AckTracker}, which alone moves the flushed LSN.
 */
@NullMarked
package dev.pgcdc.replication;

import org.jspecify.annotations.NullMarked;
