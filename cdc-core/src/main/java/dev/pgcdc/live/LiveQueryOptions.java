package dev.pgcdc.live;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Settings of {@link LiveQueries}.
 *
 * @param bufferSize changes that may wait for one query's listener; one more resets the query
 * (a new snapshot) instead of slowing the stream or the other queries
 * @param threads threads delivering to listeners (each query's calls run one at a time)
 * @param sseRetention how long a disconnected SSE client's (or cancelled flux subscription's)
 * query is kept, so that a browser reconnecting with {@code Last-Event-ID} resumes without a new
 * snapshot; zero releases it at once
 * @param sseRetainedEvents events kept per SSE or flux client for such a resume
 * @param sseTimeout how long one SSE response stays open before the browser is asked to
 * reconnect (it resumes); {@code null} for the web server's default
 * @param sseHeartbeat how often an idle SSE or flux connection gets a comment, so that a client
 * that went away is noticed and released
 */
public record LiveQueryOptions(int bufferSize, int threads, Duration sseRetention, int sseRetainedEvents,
		@Nullable Duration sseTimeout, Duration sseHeartbeat) {

	/** Default {@link #bufferSize()}. */
	public static final int DEFAULT_BUFFER_SIZE = 10_000;

	/** Default {@link #threads()}. */
	public static final int DEFAULT_THREADS = 4;

	/** Default {@link #sseRetention()}. */
	public static final Duration DEFAULT_SSE_RETENTION = Duration.ofSeconds(30);

	/** Default {@link #sseRetainedEvents()}. */
	public static final int DEFAULT_SSE_RETAINED_EVENTS = 1000;

	/** Default {@link #sseTimeout()}. */
	public static final Duration DEFAULT_SSE_TIMEOUT = Duration.ofMinutes(30);

	/** Default {@link #sseHeartbeat()}. */
	public static final Duration DEFAULT_SSE_HEARTBEAT = Duration.ofSeconds(15);

	public LiveQueryOptions {
		if (bufferSize < 1) {
			throw new IllegalArgumentException("bufferSize must be at least 1");
		}
		if (threads < 1) {
			throw new IllegalArgumentException("threads must be at least 1");
		}
		if (sseRetention.isNegative()) {
			throw new IllegalArgumentException("sseRetention must not be negative");
		}
		if (sseRetainedEvents < 0) {
			throw new IllegalArgumentException("sseRetainedEvents must not be negative");
		}
		if (sseHeartbeat.isNegative() || sseHeartbeat.isZero()) {
			throw new IllegalArgumentException("sseHeartbeat must be longer than zero");
		}
	}

	/** @return the defaults */
	public static LiveQueryOptions defaults() {
		return new LiveQueryOptions(DEFAULT_BUFFER_SIZE, DEFAULT_THREADS, DEFAULT_SSE_RETENTION,
				DEFAULT_SSE_RETAINED_EVENTS, DEFAULT_SSE_TIMEOUT, DEFAULT_SSE_HEARTBEAT);
	}

}
