package dev.pgcdc.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import dev.pgcdc.replication.StreamLag;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last measured lag of a stream, refreshed in the background. Measuring the byte lag asks
 * the server, which can block for as long as the server takes to answer; a health check must
 * not, so it reads the last value and at most one refresh runs at a time.
 */
final class LagCache {

	private static final Logger logger = LoggerFactory.getLogger(LagCache.class);

	private final Executor executor;

	private final Duration maxAge;

	private final Clock clock;

	private final AtomicBoolean refreshing = new AtomicBoolean();

	private volatile @Nullable Object source;

	private volatile StreamLag lag = StreamLag.UNKNOWN;

	private volatile @Nullable Instant measuredAt;

	LagCache(Executor executor, Duration maxAge, Clock clock) {
		this.executor = executor;
		this.maxAge = maxAge;
		this.clock = clock;
	}

	/**
	 * The last lag measured for a source, starting a refresh when it is older than the
	 * maximum age; never waits for the measurement.
	 * @param source what is measured (a new source forgets the old value)
	 * @param measure measures the lag, may block
	 * @return the last value, {@link StreamLag#UNKNOWN} until the first measurement ends
	 */
	StreamLag get(Object source, Supplier<StreamLag> measure) {
		if (this.source != source) {
			this.source = source;
			this.lag = StreamLag.UNKNOWN;
			this.measuredAt = null;
		}
		Instant measuredAt = this.measuredAt;
		if ((measuredAt == null || !this.clock.instant().isBefore(measuredAt.plus(this.maxAge)))
				&& this.refreshing.compareAndSet(false, true)) {
			try {
				this.executor.execute(() -> refresh(source, measure));
			}
			catch (RuntimeException ex) {
				this.refreshing.set(false);
				logger.debug("Cannot start measuring the CDC lag", ex);
			}
		}
		return this.lag;
	}

	private void refresh(Object source, Supplier<StreamLag> measure) {
		try {
			StreamLag lag = measure.get();
			if (this.source == source) {
				this.lag = lag;
				this.measuredAt = this.clock.instant();
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Cannot measure the CDC lag", ex);
		}
		finally {
			this.refreshing.set(false);
		}
	}

}
