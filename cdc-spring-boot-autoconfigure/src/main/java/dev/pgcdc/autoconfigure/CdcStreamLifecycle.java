package dev.pgcdc.autoconfigure;

import dev.pgcdc.CdcStreamStateChangedEvent;

import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.SlotHealth;
import dev.pgcdc.replication.StreamLag;
import dev.pgcdc.replication.StreamState;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the {@link ChangeStream} with the application context: built and started in a late
 * phase, once every handler is registered, and stopped early on shutdown. {@link #start()}
 * returns as soon as the stream thread runs (an unreachable server is retried in the
 * background); configuration problems found while starting fail start-up. Nothing connects
 * at bean creation, and nothing at all when there are no handlers and no {@code cdc.tables}. State changes are published as {@link CdcStreamStateChangedEvent}s.
 */
public class CdcStreamLifecycle implements SmartLifecycle {

	/** The phase: late start, early stop, as spring-kafka's listener containers. */
	public static final int DEFAULT_PHASE = SmartLifecycle.DEFAULT_PHASE - 100;

	private static final Logger logger = LoggerFactory.getLogger(CdcStreamLifecycle.class);

	private final CdcStreamFactory streamFactory;

	private final ApplicationEventPublisher publisher;

	private final Object monitor = new Object();

	private volatile @Nullable ChangeStream stream;

	private final boolean autoStartup;

	private volatile boolean running;

	CdcStreamLifecycle(CdcStreamFactory streamFactory, ApplicationEventPublisher publisher, boolean autoStartup) {
		this.streamFactory = streamFactory;
		this.publisher = publisher;
		this.autoStartup = autoStartup;
	}

	@Override
	public boolean isAutoStartup() {
		return this.autoStartup;
	}

	CdcStreamFactory streamFactory() {
		return this.streamFactory;
	}

	@Override
	public void start() {
		synchronized (this.monitor) {
			if (this.running) {
				return;
			}
			if (!this.streamFactory.hasWork()) {
				logger.info("No CDC handlers and no cdc.tables: not streaming");
				return;
			}
			ChangeStream stream = this.streamFactory.create(this::stateChanged);
			this.stream = stream;
			stream.start();
			this.running = true;
		}
	}

	private void stateChanged(StreamState previous, StreamState current, @Nullable Throwable cause) {
		this.publisher.publishEvent(new CdcStreamStateChangedEvent(this, previous, current, cause));
	}

	@Override
	public void stop() {
		synchronized (this.monitor) {
			ChangeStream stream = this.stream;
			this.running = false;
			if (stream != null) {
				stream.stop();
			}
		}
	}

	@Override
	public void stop(Runnable callback) {
		synchronized (this.monitor) {
			ChangeStream stream = this.stream;
			this.running = false;
			if (stream != null) {
				stream.stop(callback);
			}
			else {
				callback.run();
			}
		}
	}

	/**
	 * Whether a start was requested and no stop since; the stream itself may be reconnecting
	 * or failed (see {@link #getStream()}).
	 */
	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return DEFAULT_PHASE;
	}

	/** @return the stream, once started */
	public @Nullable ChangeStream getStream() {
		return this.stream;
	}

	/**
	 * @return how many times the stream lost its session and reconnected (the stream's own
	 * count, as the endpoint shows it), 0 without a stream
	 */
	public long getReconnects() {
		ChangeStream stream = this.stream;
		return (stream != null) ? stream.status().reconnects() : 0;
	}

	/**
	 * The stream's lag, never waiting for the server ({@link ChangeStream#lag()}).
	 * @return the lag, {@link StreamLag#UNKNOWN} without a stream
	 */
	public StreamLag getLag() {
		ChangeStream stream = this.stream;
		return (stream != null) ? stream.lag() : StreamLag.UNKNOWN;
	}

	/**
	 * The slot's health as last asked in the background, never waiting for the server
	 * ({@link ChangeStream#slotHealth()}).
	 * @return the slot's health, {@link SlotHealth#UNKNOWN} without a stream
	 */
	public SlotHealth getSlotHealth() {
		ChangeStream stream = this.stream;
		return (stream != null) ? stream.slotHealth() : SlotHealth.UNKNOWN;
	}

}
