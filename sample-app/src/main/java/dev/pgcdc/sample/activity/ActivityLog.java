package dev.pgcdc.sample.activity;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

import dev.pgcdc.sample.feed.LiveFeed;

/**
 * What the handlers did ("welcomed ada@example.com", "evicted user 3 from the cache"): logged,
 * kept for the tests, and shown on the page as {@code activity} events.
 */
@Component
public class ActivityLog {

	private static final Logger logger = LoggerFactory.getLogger(ActivityLog.class);

	private static final int KEPT = 200;

	private final LiveFeed feed;

	private final Deque<Activity> recent = new ArrayDeque<>();

	ActivityLog(LiveFeed feed) {
		this.feed = feed;
	}

	/**
	 * Record something a handler did.
	 * @param handler a short name of the handler, such as {@code welcome}
	 * @param text what it did
	 */
	public void record(String handler, String text) {
		Activity activity = new Activity(Instant.now().toString(), handler, text);
		logger.info("[{}] {}", handler, text);
		synchronized (this.recent) {
			this.recent.addLast(activity);
			while (this.recent.size() > KEPT) {
				this.recent.removeFirst();
			}
		}
		this.feed.publish("activity", activity);
	}

	/**
	 * The latest activities, oldest first.
	 * @return a copy
	 */
	public List<Activity> recent() {
		synchronized (this.recent) {
			return new ArrayList<>(this.recent);
		}
	}

	/**
	 * One thing a handler did.
	 * @param at when (ISO-8601)
	 * @param handler the handler's short name
	 * @param text what it did
	 */
	public record Activity(String at, String handler, String text) {
	}

}
