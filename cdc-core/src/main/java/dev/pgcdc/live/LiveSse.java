package dev.pgcdc.live;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@link LiveQueries#sse}: each SSE client is a session around one live query, holding the last
 * events it sent. A client that disconnects leaves its session retained for a while, still
 * following the shape; reconnecting with {@code Last-Event-ID} equal to one of the retained
 * events' ids resumes it: the events after that one are sent again and the query goes on, with
 * no new snapshot. Otherwise a new query starts with a {@code reset} (when the client asked to
 * resume) and a snapshot. Retained sessions are released after the retention; a heartbeat
 * comment notices clients that went away. Loaded only when SSE is used (needs spring-webmvc).
 */
final class LiveSse {

	private static final String LAST_EVENT_ID = "Last-Event-ID";

	private final LiveQueries live;

	private final LiveQueryOptions options;

	private final Set<Session> attached = ConcurrentHashMap.newKeySet();

	private final Map<Shape, Set<Session>> retained = new ConcurrentHashMap<>();

	private final ScheduledFuture<?> heartbeat;

	LiveSse(LiveQueries live, LiveQueryOptions options, ScheduledExecutorService scheduler) {
		this.live = live;
		this.options = options;
		long period = options.sseHeartbeat().toMillis();
		this.heartbeat = scheduler.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
	}

	/** @return the {@code Last-Event-ID} header of the current Spring MVC request, if any */
	static @Nullable String lastEventId() {
		RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
		if (attributes instanceof ServletRequestAttributes servlet) {
			HttpServletRequest request = servlet.getRequest();
			String id = request.getHeader(LAST_EVENT_ID);
			return (id != null && !id.isBlank()) ? id.trim() : null;
		}
		return null;
	}

	static Map<String, Object> snapshot(List<Map<String, @Nullable Object>> rows, String position) {
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("rows", rows);
		data.put("position", position);
		return data;
	}

	static Map<String, Object> reset(String reason) {
		return Map.of("reason", reason);
	}

	SseEmitter open(Shape shape, @Nullable String lastEventId) {
		Duration timeout = this.options.sseTimeout();
		SseEmitter emitter = (timeout != null) ? new SseEmitter(timeout.toMillis()) : new SseEmitter();
		if (lastEventId != null) {
			Session session = claim(shape, lastEventId);
			if (session != null) {
				session.attach(emitter, lastEventId);
				return emitter;
			}
		}
		Session session = new Session(shape, lastEventId != null);
		// the listener may run before subscribe returns: the emitter is attached first
		session.attach(emitter, null);
		try {
			session.query = this.live.subscribe(shape, session);
		}
		catch (RuntimeException ex) {
			session.detach(emitter);
			throw ex;
		}
		return emitter;
	}

	private @Nullable Session claim(Shape shape, String id) {
		Set<Session> candidates = this.retained.get(shape);
		if (candidates != null) {
			for (Session session : candidates) {
				if (session.holds(id) && candidates.remove(session)) {
					return session;
				}
			}
		}
		// a browser often reconnects before the server noticed the old connection is gone
		for (Session session : this.attached) {
			if (session.shape.equals(shape) && session.holds(id)) {
				session.steal();
				return session;
			}
		}
		return null;
	}

	int attached() {
		return this.attached.size();
	}

	int detached() {
		int count = 0;
		for (Set<Session> sessions : this.retained.values()) {
			count += sessions.size();
		}
		return count;
	}

	private void tick() {
		for (Session session : this.attached) {
			session.heartbeat();
		}
		long now = System.nanoTime();
		long retention = this.options.sseRetention().toNanos();
		for (Iterator<Map.Entry<Shape, Set<Session>>> entries = this.retained.entrySet().iterator(); entries.hasNext();) {
			Set<Session> sessions = entries.next().getValue();
			for (Session session : sessions) {
				if (now - session.detachedAt >= retention && sessions.remove(session)) {
					session.release();
				}
			}
			if (sessions.isEmpty()) {
				entries.remove();
			}
		}
	}

	void close() {
		this.heartbeat.cancel(false);
		for (Session session : List.copyOf(this.attached)) {
			SseEmitter emitter = session.emitter;
			if (emitter != null) {
				emitter.complete();
			}
			session.release();
		}
		this.retained.values().forEach((sessions) -> sessions.forEach(Session::release));
		this.retained.clear();
	}

	/** One SSE client: its live query and the events it was sent. */
	private final class Session implements LiveQueryListener {

		private final Shape shape;

		private final ArrayDeque<Sent> sent = new ArrayDeque<>();

		private boolean resetFirst;

		private volatile @Nullable SseEmitter emitter;

		private volatile @Nullable LiveQuery query;

		private volatile long detachedAt;

		Session(Shape shape, boolean resetFirst) {
			this.shape = shape;
			this.resetFirst = resetFirst;
		}

		@Override
		public void onSnapshot(List<Map<String, @Nullable Object>> rows, String position) {
			if (this.resetFirst) {
				this.resetFirst = false;
				send(new Sent("reset", null, reset("the changes since the client's Last-Event-ID are no longer held")));
			}
			send(new Sent("snapshot", position, snapshot(rows, position)));
		}

		@Override
		public void onChange(ShapeChange change) {
			send(new Sent("change", change.position(), change));
		}

		@Override
		public void onReset(String reason) {
			this.resetFirst = false;
			send(new Sent("reset", null, reset(reason)));
		}

		private void send(Sent event) {
			SseEmitter target;
			synchronized (this) {
				if (LiveSse.this.options.sseRetention().isZero() || LiveSse.this.options.sseRetainedEvents() == 0) {
					this.sent.clear();
				}
				else {
					this.sent.add(event);
					while (this.sent.size() > LiveSse.this.options.sseRetainedEvents()) {
						this.sent.poll();
					}
				}
				target = this.emitter;
				if (target != null) {
					try {
						target.send(event.builder());
					}
					catch (IOException | IllegalStateException ex) {
						target = null;
					}
				}
			}
			SseEmitter current = this.emitter;
			if (target == null && current != null) {
				detach(current);
			}
		}

		/** @return whether a resume from this id can be served */
		synchronized boolean holds(String id) {
			LiveQuery current = this.query;
			if (current == null || !current.isOpen()) {
				return false;
			}
			for (Sent event : this.sent) {
				if (id.equals(event.id())) {
					return true;
				}
			}
			return false;
		}

		synchronized void attach(SseEmitter emitter, @Nullable String resumeAfter) {
			this.emitter = emitter;
			emitter.onCompletion(() -> detach(emitter));
			emitter.onTimeout(() -> detach(emitter));
			emitter.onError((ex) -> detach(emitter));
			LiveSse.this.attached.add(this);
			if (resumeAfter != null) {
				try {
					for (Event event : replay(resumeAfter)) {
						emitter.send(event.builder());
					}
				}
				catch (IOException | IllegalStateException ex) {
					detach(emitter);
				}
			}
		}

		private List<Event> replay(String resumeAfter) {
			List<Event> events = new java.util.ArrayList<>();
			boolean found = false;
			// after the last event with that id
			Object[] all = this.sent.toArray();
			int start = 0;
			for (int i = all.length - 1; i >= 0; i--) {
				if (resumeAfter.equals(((Sent) all[i]).id())) {
					start = i + 1;
					found = true;
					break;
				}
			}
			if (found) {
				for (int i = start; i < all.length; i++) {
					events.add((Sent) all[i]);
				}
			}
			return events;
		}

		/** Another connection takes this session over: the old one is completed. */
		synchronized void steal() {
			SseEmitter old = this.emitter;
			this.emitter = null;
			LiveSse.this.attached.remove(this);
			if (old != null) {
				old.complete();
			}
		}

		void detach(SseEmitter emitter) {
			synchronized (this) {
				if (this.emitter != emitter) {
					return;
				}
				this.emitter = null;
				this.detachedAt = System.nanoTime();
			}
			LiveSse.this.attached.remove(this);
			LiveQuery current = this.query;
			if (LiveSse.this.options.sseRetention().isZero() || current == null || !current.isOpen()) {
				release();
			}
			else {
				LiveSse.this.retained.computeIfAbsent(this.shape, (key) -> ConcurrentHashMap.newKeySet()).add(this);
			}
		}

		void heartbeat() {
			SseEmitter current = this.emitter;
			if (current == null) {
				return;
			}
			LiveQuery query = this.query;
			if (query != null && !query.isOpen()) {
				current.complete();
				detach(current);
				return;
			}
			boolean failed = false;
			synchronized (this) {
				try {
					current.send(SseEmitter.event().comment(""));
				}
				catch (IOException | IllegalStateException ex) {
					failed = true;
				}
			}
			if (failed) {
				detach(current);
			}
		}

		void release() {
			LiveQuery current = this.query;
			if (current != null) {
				current.close();
			}
			synchronized (this) {
				this.sent.clear();
			}
		}

	}

	/** An event as sent. */
	private interface Event {

		SseEmitter.SseEventBuilder builder();

	}

	private record Sent(String name, @Nullable String id, Object data) implements Event {

		@Override
		public SseEmitter.SseEventBuilder builder() {
			SseEmitter.SseEventBuilder builder = SseEmitter.event().name(this.name).data(this.data, MediaType.APPLICATION_JSON);
			return (this.id != null) ? builder.id(this.id) : builder;
		}

	}

}
