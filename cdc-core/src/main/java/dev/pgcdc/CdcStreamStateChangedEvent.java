package dev.pgcdc;

import dev.pgcdc.replication.StreamState;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEvent;

/**
 * Published when the change stream changes state (starting, streaming, reconnecting,
 * failed...), so applications can react with an {@code @EventListener}. Published on the
 * stream's state thread, never on its reader or dispatcher, one change after the other in the
 * order they happened. Lives next to {@link CdcSubscriptionChangedEvent}: the starter's two
 * application events.
 */
public class CdcStreamStateChangedEvent extends ApplicationEvent {

	private final StreamState previous;

	private final StreamState current;

	private final @Nullable Throwable cause;

	/**
	 * Create an event.
	 * @param source what runs the stream (the starter's {@code CdcStreamLifecycle})
	 * @param previous the state before
	 * @param current the new state
	 * @param cause the error behind the change, if any
	 */
	public CdcStreamStateChangedEvent(Object source, StreamState previous, StreamState current,
			@Nullable Throwable cause) {
		super(source);
		this.previous = previous;
		this.current = current;
		this.cause = cause;
	}

	/** @return the state before the change */
	public StreamState getPrevious() {
		return this.previous;
	}

	/** @return the new state */
	public StreamState getCurrent() {
		return this.current;
	}

	/** @return the error behind the change, if any */
	public @Nullable Throwable getCause() {
		return this.cause;
	}

	@Override
	public String toString() {
		return "CdcStreamStateChangedEvent[" + this.previous + " -> " + this.current
				+ ((this.cause != null) ? ", cause=" + this.cause : "") + "]";
	}

}
