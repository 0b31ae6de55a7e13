package dev.pgcdc.sample.feed;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Fans entries out to every open page as server-sent events, and keeps the latest ones so a
 * page opened later starts with some history.
 * <p>
 * Sending happens on a thread of its own: a CDC handler only queues the entry, so a slow or
 * vanished browser never holds up the change stream. One thread keeps the order of entries.
 */
@Component
public class LiveFeed implements DisposableBean {

	/** How many entries a newly opened page is sent first. */
	static final int HISTORY = 50;

	private static final long RECONNECT_MILLIS = 2000;

	private final List<SseEmitter> emitters = new CopyOnWriteArrayList<>();

	private final Deque<Entry> history = new ArrayDeque<>();

	private final ExecutorService sender = Executors
		.newSingleThreadExecutor(new CustomizableThreadFactory("live-feed-"));

	/**
	 * Open a stream for one page: the recent history first, then every new entry.
	 * @return the emitter to return from the controller
	 */
	public SseEmitter subscribe() {
		SseEmitter emitter = new SseEmitter(0L);
		emitter.onCompletion(() -> this.emitters.remove(emitter));
		emitter.onTimeout(() -> this.emitters.remove(emitter));
		emitter.onError((ex) -> this.emitters.remove(emitter));
		// a first line now, so the response headers go out and the page knows it is connected
		send(emitter, SseEmitter.event().comment("pgcdc sample feed").reconnectTime(RECONNECT_MILLIS));
		this.sender.execute(() -> {
			for (Entry entry : recent()) {
				if (!send(emitter, entry)) {
					return;
				}
			}
			this.emitters.add(emitter);
		});
		return emitter;
	}

	/**
	 * Send an entry to every open page, as an SSE event of that name with a JSON body.
	 * @param name the event name ({@code change}, {@code message}, {@code activity})
	 * @param data the body
	 */
	public void publish(String name, Object data) {
		Entry entry = new Entry(name, data);
		synchronized (this.history) {
			this.history.addLast(entry);
			while (this.history.size() > HISTORY) {
				this.history.removeFirst();
			}
		}
		this.sender.execute(() -> this.emitters.forEach((emitter) -> {
			if (!send(emitter, entry)) {
				this.emitters.remove(emitter);
			}
		}));
	}

	/**
	 * The latest entries, oldest first.
	 * @return a copy of the history
	 */
	public List<Entry> recent() {
		synchronized (this.history) {
			return new ArrayList<>(this.history);
		}
	}

	private static boolean send(SseEmitter emitter, Entry entry) {
		return send(emitter, SseEmitter.event().name(entry.name()).data(entry.data(), MediaType.APPLICATION_JSON));
	}

	private static boolean send(SseEmitter emitter, SseEmitter.SseEventBuilder event) {
		try {
			emitter.send(event);
			return true;
		}
		catch (IOException | IllegalStateException ex) {
			// the page went away; the browser reconnects by itself if it comes back
			emitter.completeWithError(ex);
			return false;
		}
	}

	/**
	 * End the open streams when the application closes, before the web server's graceful
	 * shutdown would wait for them in vain.
	 */
	@EventListener(ContextClosedEvent.class)
	public void close() {
		this.emitters.forEach(SseEmitter::complete);
		this.emitters.clear();
	}

	@Override
	public void destroy() {
		close();
		this.sender.shutdownNow();
	}

	/**
	 * One entry of the feed.
	 * @param name the SSE event name
	 * @param data the JSON body
	 */
	public record Entry(String name, Object data) {
	}

}
