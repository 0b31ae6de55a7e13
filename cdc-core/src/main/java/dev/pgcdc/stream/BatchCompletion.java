package dev.pgcdc.stream;

/**
 * The completion handle of one batch given to an {@link AsyncBatchHandler}: the batch is done
 * when it is completed, which may happen after {@code handle} returned, on any thread, in any
 * order relative to other batches. Only the first call of {@link #complete()} or
 * {@link #fail(Throwable)} counts; later ones are ignored.
 */
public interface BatchCompletion {

	/** The batch's work is done (for example: the broker confirmed its records). */
	void complete();

	/**
	 * The batch's work failed: the stream fails as if a {@link BatchHandler} had thrown (a
	 * {@link DatabaseUnavailableException} makes it give up its session and reconnect instead),
	 * and neither this batch's transaction nor any after it is acknowledged.
	 * @param error what went wrong
	 */
	void fail(Throwable error);

	/**
	 * Whether the stream no longer waits for this batch: it is stopping, failed on an earlier
	 * batch, or started a new session that delivers the batch again. The work may then be skipped,
	 * but the completion must still be completed or failed (stopping waits for every one).
	 * @return whether the batch's work may be skipped
	 */
	boolean cancelled();

}
