package dev.pgcdc.replication;

import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.AsyncBatchHandler;
import dev.pgcdc.stream.BatchCompletion;
import dev.pgcdc.stream.BatchHandler;
import org.jspecify.annotations.Nullable;

/**
 * Carries the delivery thread's current unit to an {@link AsyncBatchHandler} through the
 * synchronous {@link BatchHandler}s between the hand-off queue and it (the snapshot merger, which
 * may also hand over snapshot batches within one stream batch): each batch that reaches the
 * handler gets a completion of the unit being delivered.
 */
final class CompletionBridge implements BatchHandler {

	private final AsyncBatchHandler target;

	// delivery thread only
	private PendingUnits.@Nullable Unit unit;

	CompletionBridge(AsyncBatchHandler target) {
		this.target = target;
	}

	/**
	 * Hand a batch down the handler chain on behalf of a unit.
	 * @param unit the unit the batch belongs to
	 * @param chain the handlers in front of this bridge
	 * @param batch the batch
	 * @throws Exception what the chain threw
	 */
	void handle(PendingUnits.Unit unit, BatchHandler chain, TransactionBatch batch) throws Exception {
		this.unit = unit;
		try {
			chain.handle(batch);
		}
		finally {
			this.unit = null;
		}
	}

	@Override
	public void handle(TransactionBatch batch) throws Exception {
		PendingUnits.Unit current = this.unit;
		if (current == null) {
			throw new IllegalStateException("An asynchronous handler is called by the stream's delivery thread only");
		}
		BatchCompletion completion = current.part();
		try {
			this.target.handle(batch, completion);
		}
		catch (Exception | Error ex) {
			completion.fail(ex);
			throw ex;
		}
	}

	@Override
	public @Nullable String inProgress() {
		return this.target.inProgress();
	}

}
