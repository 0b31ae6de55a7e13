package dev.pgcdc.dispatch;

import java.util.List;

import dev.pgcdc.event.CdcEvent;

/**
 * A handler that failed on some events after its retries.
 *
 * @param handlerId the handler id
 * @param events the events the handler was given (one, or a transaction chunk for a
 * {@code List} parameter)
 * @param error the last error
 * @param attempts how many times the handler was called
 */
public record HandlerFailure(String handlerId, List<CdcEvent> events, Throwable error, int attempts) {

	public HandlerFailure {
		events = List.copyOf(events);
	}

	/**
	 * Describes the events by operation, table, xid and LSN, without their rows, so logging a
	 * failure does not log row data.
	 */
	@Override
	public String toString() {
		return "HandlerFailure[handlerId=" + this.handlerId + ", events=" + RetryingErrorHandler.describe(this.events) + ", attempts="
				+ this.attempts + ", error=" + this.error + "]";
	}

}
