package dev.pgcdc.dispatch;

/** What happens when a handler still fails after its retries. */
public enum ErrorPolicy {

	/**
	 * Stop the stream ({@code FAILED}) without acknowledging the transaction, so a durable slot
	 * delivers it again after a restart. The default for durable slots.
	 */
	STOP,

	/**
	 * Hand the failed events to the {@link CdcErrorHandler} (if any), log them and go on: the
	 * transaction is acknowledged. The default for temporary slots.
	 */
	SKIP

}
