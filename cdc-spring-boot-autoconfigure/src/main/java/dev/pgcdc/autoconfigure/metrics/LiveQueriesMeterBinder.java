package dev.pgcdc.autoconfigure.metrics;

import dev.pgcdc.live.LiveQueries;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The live queries' meters: {@code cdc.live.queries} (gauge: open live queries, SSE clients
 * included) and {@code cdc.live.changes} (counter: changes delivered to listeners).
 */
public final class LiveQueriesMeterBinder implements MeterBinder {

	private final LiveQueries liveQueries;

	/** @param liveQueries the live queries to measure */
	public LiveQueriesMeterBinder(LiveQueries liveQueries) {
		this.liveQueries = liveQueries;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("cdc.live.queries", this.liveQueries, LiveQueries::openQueries)
			.description("Open live queries, SSE clients included")
			.register(registry);
		FunctionCounter.builder("cdc.live.changes", this.liveQueries, LiveQueries::changesDelivered)
			.description("Changes delivered to live query listeners")
			.register(registry);
	}

}
