package dev.pgcdc.autoconfigure;

import dev.pgcdc.replication.StreamState;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEvent;

/**
 * Published when the change stream changes state (starting, streaming, reconnecting,
 * failed...), so applications can react with an {@code @EventListener}. Published on the
 * thread that made the change, usually the stream's own.
 */
public class CdcStreamStateChangedEvent extends ApplicationEvent {

	private final StreamState previous;

	private final StreamState current;

	private final @Nullable Throwable cause;

	/**
	 * Create an event.
	 * @param source the lifecycle running the stream
	 * @param previous the state before
	 * @param current the new state
	 * @param cause the error behind the change, if any
	 */
	public CdcStreamStateChangedEvent(CdcStreamLifecycle source, StreamState previous, StreamState current,
			@Nullable Throwable cause) {
		super(source);
		this.previous = previous;
		this.current = current;
		this.cause = cause;
	}

	@Override
	public CdcStreamLifecycle getSource() {
		return (CdcStreamLifecycle) super.getSource();
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
