package dev.pgcdc;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One subscribed table as {@link CdcSubscriptions} shows it.
 *
 * @param table the table, {@code schema.name}
 * @param enabled whether its events are dispatched
 * @param events events dispatched since start-up (while enabled)
 * @param ignored events acknowledged without dispatch while disabled
 * @param filtered events skipped by the table's own filters ({@code cdc.table.<name>.*})
 * @param lastEventTime commit time of the last event dispatched, if any
 * @param handlers ids of the change handlers watching it (those naming it and those naming no
 * table)
 */
public record CdcSubscription(String table, boolean enabled, long events, long ignored, long filtered,
		@Nullable Instant lastEventTime, List<String> handlers) {

	public CdcSubscription {
		handlers = List.copyOf(handlers);
	}

}
