/**
 * The replication stream: server checks, publication, replica identity and slot
 * administration, the reader, the hand-off to the dispatcher, acknowledgement and reconnects.
 * <p>
 * {@link dev.pgcdc.replication.ChangeStream} is the façade, built by
 * {@link dev.pgcdc.replication.ChangeStreamBuilder} into {@link dev.pgcdc.replication.StreamSettings}
 * (the defaults and the one validation). Inside, {@code StreamContainer} runs one <em>run</em> per
 * start: a {@code ReconnectLoop} on the reader thread (sessions opened by {@code SessionOpener}
 * after {@code StartupSequence} prepared the server: {@code ServerCheck}, {@code TableResolver},
 * {@code ReplicaIdentityManager}, {@code PublicationManager}, {@code SlotManager}; errors sorted by
 * {@code SessionFailures}; each session read by {@code StreamReader}, assembled into bounded batches
 * by {@code TransactionAssembler}, streamed transactions spooled by {@code TransactionSpool}) and a
 * {@code HandoffQueue} whose delivery thread hands batches to the handler and tells the
 * {@code AckTracker}, which alone moves the flushed LSN. {@code StateTracker} keeps the actual state
 * and tells listeners in order on a thread of their own; {@code LagProbe} is the one lag measurement.
 */
@NullMarked
package dev.pgcdc.replication;

import org.jspecify.annotations.NullMarked;
