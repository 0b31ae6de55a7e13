package dev.pgcdc.live;

import java.io.IOException;
import java.time.Duration;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@link LiveQueries#sse}: a live query's session carried by a Spring MVC {@link SseEmitter}.
 * Loaded only when SSE is used (needs spring-webmvc).
 */
final class LiveSse implements LiveSessions.Outlet {

	private final SseEmitter emitter;

	private LiveSse(SseEmitter emitter) {
		this.emitter = emitter;
	}

	/** @return the {@code Last-Event-ID} header of the current Spring MVC request, if any */
	static @Nullable String lastEventId() {
		RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
		if (attributes instanceof ServletRequestAttributes servlet) {
			HttpServletRequest request = servlet.getRequest();
			return LiveSessions.lastEventId(request.getHeader(LiveSessions.LAST_EVENT_ID));
		}
		return null;
	}

	static SseEmitter open(LiveSessions sessions, LiveQueryOptions options, Shape shape, @Nullable String lastEventId) {
		Duration timeout = options.sseTimeout();
		SseEmitter emitter = (timeout != null) ? new SseEmitter(timeout.toMillis()) : new SseEmitter();
		sessions.open(shape, lastEventId, new LiveSse(emitter));
		return emitter;
	}

	@Override
	public boolean send(LiveSessions.Event event) {
		SseEmitter.SseEventBuilder builder = SseEmitter.event().name(event.name()).data(event.data(),
				MediaType.APPLICATION_JSON);
		String id = event.id();
		return send((id != null) ? builder.id(id) : builder);
	}

	@Override
	public boolean heartbeat() {
		return send(SseEmitter.event().comment(""));
	}

	private boolean send(SseEmitter.SseEventBuilder event) {
		try {
			this.emitter.send(event);
			return true;
		}
		catch (IOException | IllegalStateException ex) {
			return false;
		}
	}

	@Override
	public void complete() {
		this.emitter.complete();
	}

	@Override
	public void onEnd(Runnable callback) {
		this.emitter.onCompletion(callback);
		this.emitter.onTimeout(callback);
		this.emitter.onError((ex) -> callback.run());
	}

}
