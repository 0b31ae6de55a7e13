package dev.pgcdc.replication;

import dev.pgcdc.event.TransactionBatch;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;

/**
 * What the reader hands the dispatcher: a batch to handle, and, on the last batch of a
 * transaction, the LSN to acknowledge once it was handled.
 *
 * @param batch the batch, or {@code null} for a transaction without events (acknowledge only)
 * @param ackLsn the position to acknowledge after this batch, or {@code null} when the
 * transaction continues
 */
record QueuedBatch(@Nullable TransactionBatch batch, @Nullable LogSequenceNumber ackLsn) {

	/** Wakes the dispatcher without work, so it notices a stop request. */
	static final QueuedBatch WAKE_UP = new QueuedBatch(null, null);

}
