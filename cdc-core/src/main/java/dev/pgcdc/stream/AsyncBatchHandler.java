package dev.pgcdc.stream;

import dev.pgcdc.event.TransactionBatch;
import org.jspecify.annotations.Nullable;

/**
 * Receives the stream's batches like a {@link BatchHandler} (one at a time, in commit order, on
 * the stream's delivery thread) but may finish a batch after returning: the batch is done when
 * its {@link BatchCompletion} is completed. Completions may come from any thread and in any
 * order; the stream acknowledges a transaction to the server only once every batch of it
 * <em>and of every transaction before it</em> was completed (a low watermark), so a durable
 * slot stays at-least-once however the completions interleave.
 * <p>
 * How an asynchronous consumer completes a batch: in {@code handle}, start the work (send the
 * records, queue the events to worker threads) and keep the completion; when the work is
 * confirmed (the send future's callback, the last worker's return), call
 * {@link BatchCompletion#complete()}; when it cannot be done, {@link BatchCompletion#fail(Throwable)}.
 * For example, with a {@code KafkaTemplate}:
 * <pre>{@code
 * (batch, completion) -> {
 *     List<CompletableFuture<?>> sends = ...; // one kafkaTemplate.send(...) per event
 *     CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
 *         .whenComplete((ok, error) -> {
 *             if (error != null) completion.fail(error); else completion.complete();
 *         });
 * }
 * }</pre>
 * Rules:
 * <ul>
 * <li>Every completion handed out is completed or failed once, also a
 * {@link BatchCompletion#cancelled() cancelled} one (whose work may be skipped): stopping the
 * stream waits for all of them, up to its shutdown timeout.</li>
 * <li>{@code handle} throwing is the same as failing its completion; the completion is then
 * not to be used.</li>
 * <li>Back-pressure is the handler's: the stream hands over the next batch as soon as
 * {@code handle} returns, so block in {@code handle} while too much is in flight.</li>
 * <li>A transaction of several batches (larger than the batch size) gets one completion per
 * batch; it is acknowledged when all of them completed.</li>
 * </ul>
 * Synchronous handlers stay {@link BatchHandler}s: the stream acknowledges those after
 * {@code handle} returned, with no completion in between.
 */
@FunctionalInterface
public interface AsyncBatchHandler {

	/**
	 * Start handling a batch.
	 * @param batch a whole transaction, or a bounded part of a large one
	 * @param completion to complete (or fail) once the batch's work is done, from any thread
	 * @throws Exception the same as {@code completion.fail(exception)}
	 */
	void handle(TransactionBatch batch, BatchCompletion completion) throws Exception;

	/**
	 * What this handler is doing right now, named for an operator: shown when a stopping
	 * stream gives up waiting for it.
	 * @return a handler id or description, or {@code null} when idle or unknown
	 */
	default @Nullable String inProgress() {
		return null;
	}

}
