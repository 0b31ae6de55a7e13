package dev.pgcdc.dispatch;

/**
 * Receives the events a handler failed on after its retries, under {@link ErrorPolicy#SKIP}:
 * the dead letter of the stream. Runs on the dispatcher thread before the next handler. If it
 * throws, the stream stops as under {@link ErrorPolicy#STOP}, so no event is lost silently.
 */
@FunctionalInterface
public interface CdcErrorHandler {

	/**
	 * Handle a failure.
	 * @param failure the handler, the events and the last error
	 * @throws Exception to stop the stream without acknowledging the transaction
	 */
	void handleError(HandlerFailure failure) throws Exception;

}
