package dev.pgcdc.sample.feed;

import org.springframework.stereotype.Component;

import dev.pgcdc.annotation.OnEvent;
import dev.pgcdc.annotation.OnMessage;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;

/**
 * Puts every change of every subscribed table, and every logical message, on the page.
 */
@Component
class FeedPublisher {

	private final LiveFeed feed;

	FeedPublisher(LiveFeed feed) {
		this.feed = feed;
	}

	@OnEvent
	void change(ChangeEvent event) {
		this.feed.publish("change", ChangeEntry.of(event));
	}

	@OnMessage
	void message(LogicalMessage message) {
		this.feed.publish("message", MessageEntry.of(message));
	}

}
