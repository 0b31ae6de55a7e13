package dev.pgcdc.benchmark;

import java.time.Duration;

/**
 * A {@link DrainEngine} that runs as a consumer inside this JVM and reports each arrival to an
 * {@link Arrivals} (for the drain, an {@link EventCounter}), so the same consumer can serve other
 * measurements.
 */
interface StreamingEngine extends DrainEngine {

	/**
	 * Start a consumer on the target's slot; it reports to {@code arrivals} until closed.
	 * @param target the slot to read
	 * @param arrivals where the consumer reports what reached it
	 * @return the running consumer; closing it stops it and confirms what it received
	 * @throws Exception if the consumer cannot start
	 */
	AutoCloseable open(DrainTarget target, Arrivals arrivals) throws Exception;

	@Override
	default DrainResult drain(DrainTarget target) throws Exception {
		EventCounter counter = new EventCounter(target.events());
		long started = System.nanoTime();
		try (AutoCloseable consumer = open(target, counter)) {
			return counter.await(started, Duration.ofMinutes(30));
		}
	}

}
