package dev.pgcdc.dispatch;

import dev.pgcdc.event.ChangeEvent;
import org.jspecify.annotations.Nullable;

/**
 * Told what the {@link HandlerMulticaster} does, on its thread, for metrics and tracing. Implementations
 * must be quick and must not throw; both methods do nothing by default.
 * @see HandlerMulticaster#addObserver(DispatchObserver)
 */
public interface DispatchObserver {

	/**
	 * An event of an enabled table reached the dispatcher (before any filter).
	 * @param event the event
	 */
	default void eventReceived(ChangeEvent event) {
	}

	/**
	 * A handler method returned or threw (each retry is one call).
	 * @param handler the handler
	 * @param nanos how long the call took
	 * @param error what it threw, {@code null} when it returned
	 */
	default void handlerInvoked(HandlerMethod handler, long nanos, @Nullable Throwable error) {
	}

}
