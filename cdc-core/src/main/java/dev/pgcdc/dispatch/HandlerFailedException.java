package dev.pgcdc.dispatch;

/**
 * Thrown out of the {@link HandlerMulticaster} when a handler failed and the error policy is
 * {@link ErrorPolicy#STOP} (or the dead-letter handler itself failed): the stream stops
 * without acknowledging the transaction.
 */
public class HandlerFailedException extends RuntimeException {

	private final String handlerId;

	/**
	 * @param handlerId the failed handler
	 * @param message what failed
	 * @param cause the handler's error
	 */
	public HandlerFailedException(String handlerId, String message, Throwable cause) {
		super(message, cause);
		this.handlerId = handlerId;
	}

	/** @return the id of the failed handler */
	public String getHandlerId() {
		return this.handlerId;
	}

}
