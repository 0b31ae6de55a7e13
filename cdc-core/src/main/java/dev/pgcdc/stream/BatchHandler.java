package dev.pgcdc.stream;

import dev.pgcdc.event.TransactionBatch;
import org.jspecify.annotations.Nullable;

/**
 * Receives the stream's batches, one at a time, in commit order, on the stream's delivery
 * thread. The transaction is acknowledged after its last batch returned; throwing stops the
 * stream without acknowledging it.
 */
@FunctionalInterface
public interface BatchHandler {

	/**
	 * @param batch a whole transaction, or a bounded part of a large one
	 * @throws Exception to stop the stream without acknowledging the transaction
	 */
	void handle(TransactionBatch batch) throws Exception;

	/**
	 * What this handler is doing right now, named for an operator: shown when a stopping
	 * stream gives up waiting for it.
	 * @return a handler id or description, or {@code null} when idle or unknown
	 */
	default @Nullable String inProgress() {
		return null;
	}

}
