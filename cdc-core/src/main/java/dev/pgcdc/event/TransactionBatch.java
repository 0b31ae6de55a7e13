package dev.pgcdc.event;

import java.time.Instant;
import java.util.Collections;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A bounded run of events of one committed transaction, in WAL order, as the stream hands
 * them to the dispatcher. A transaction larger than the chunk size arrives as several
 * batches with the same {@code xid}; {@link #first()} marks the first, {@link #last()} the
 * one after which the transaction may be acknowledged. A non-transactional logical message
 * arrives as a batch of its own with {@code xid == 0}.
 * <p>
 * The events list is handed over, not copied: it is wrapped unmodifiable, and whoever creates
 * the batch must not change the list afterwards (the stream's assembler starts a new list for
 * each chunk).
 *
 * @param xid the transaction id
 * @param lsn the commit LSN ({@code X/X}) shared by every event of the transaction
 * @param commitTimestamp the commit time, {@code null} for a non-transactional message
 * @param events the events of this chunk, in WAL order (owned by the batch from now on)
 * @param first whether this is the transaction's first chunk
 * @param last whether this is the transaction's last chunk
 */
public record TransactionBatch(long xid, String lsn, @Nullable Instant commitTimestamp, List<CdcEvent> events,
		boolean first, boolean last) {

	public TransactionBatch {
		// one batch per chunk of up to batchSize events: a copy would cost a second array per chunk
		events = Collections.unmodifiableList(events);
	}

}
