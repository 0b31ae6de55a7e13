package dev.pgcdc.offsets;

import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.BatchHandler;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Keeps the stream's handled position somewhere besides the replication slot, in step with
 * what the handlers did. Without one (the default, {@code cdc.offsets.store=server}) the slot's
 * confirmed position is the only record, and a crash redelivers what was handled since the last
 * acknowledgement reached the server (at-least-once). With one, the stream
 * <ul>
 * <li>asks it for the stored position before each session ({@link #load(String)}) and starts
 * replication from it when it is ahead of what the stream knows (the slot is then confirmed up to
 * it as well);</li>
 * <li>hands it every batch with the handler ({@link #deliver}), so that it can run the
 * transaction's handlers and the update of the position as one unit and skip a transaction it
 * already stored;</li>
 * <li>tells it when the transaction in progress will not be completed ({@link #abandon()}: a lost
 * connection cut it off, or the stream stopped).</li>
 * </ul>
 * The stream calls {@link #deliver} and {@link #abandon()} on its one delivery thread, and
 * {@link #load(String)} on its reader thread while nothing is being delivered.
 *
 * @see JdbcOffsetStore
 */
public interface OffsetStore {

	/**
	 * Read the stored position, creating what the store needs on first use.
	 * @param stream the stream's name (its replication slot)
	 * @return the position after the last stored transaction, {@code 0/0} when none is
	 * @throws java.sql.SQLException if the store cannot be read now (the stream retries)
	 * @throws dev.pgcdc.stream.CdcConfigurationException if it cannot be used at all
	 */
	LogSequenceNumber load(String stream) throws java.sql.SQLException;

	/**
	 * Handle one batch: call the handler, unless the transaction was stored already, and on a
	 * transaction's last batch store its position together with what the handler did.
	 * @param batch the batch
	 * @param end the position to acknowledge after this batch (the transaction's end), or
	 * {@code null} when more batches of the transaction follow
	 * @param handler the stream's handler
	 * @throws Exception what the handler or the store threw; the transaction is then undone and
	 * not stored
	 */
	void deliver(TransactionBatch batch, @Nullable LogSequenceNumber end, BatchHandler handler) throws Exception;

	/** Undo the transaction in progress, if any: its remaining batches will not come. */
	void abandon();

}
