package dev.pgcdc.replication;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * How far a {@link ChangeStream} is behind the server.
 *
 * @param bytes WAL written on the server beyond the flushed (handled and acknowledged)
 * position, {@code null} when unknown (not connected, nothing flushed yet, or the server
 * could not be asked)
 * @param time zero when everything received has been handled; otherwise the time since the
 * commit of the last handled transaction; {@code null} when unknown (nothing handled yet)
 */
public record StreamLag(@Nullable Long bytes, @Nullable Duration time) {

	/** Nothing known. */
	public static final StreamLag UNKNOWN = new StreamLag(null, null);

}
