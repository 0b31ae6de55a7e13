package dev.pgcdc.stream;

import dev.pgcdc.event.TransactionBatch;

/**
 * Receives the stream's batches on the dispatcher thread, one at a time, in commit order.
 * Returning normally means every event of the batch was handled or deliberately skipped, so
 * the transaction may be acknowledged once its last batch returns. Throwing stops the stream
 * ({@link StreamState#FAILED}) without acknowledging the transaction.
 */
@FunctionalInterface
public interface BatchHandler {

	/**
	 * Handle one batch.
	 * @param batch the batch
	 * @throws Exception to stop the stream without acknowledging
	 */
	void handle(TransactionBatch batch) throws Exception;

}
