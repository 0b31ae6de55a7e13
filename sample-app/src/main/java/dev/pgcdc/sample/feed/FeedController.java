package dev.pgcdc.sample.feed;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The page's event stream: {@code change}, {@code message} and {@code activity} events.
 */
@RestController
class FeedController {

	private final LiveFeed feed;

	FeedController(LiveFeed feed) {
		this.feed = feed;
	}

	@GetMapping(path = "/api/feed", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	SseEmitter feed() {
		return this.feed.subscribe();
	}

}
