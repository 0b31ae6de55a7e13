package dev.pgcdc.live;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web sessions of live queries, whatever carries them ({@link LiveQueries#sse} or
 * {@link LiveQueries#flux}): each client connection is a session around one live query, holding
 * the last events it sent. A client that disconnects leaves its session retained for a while,
 * still following the shape; reconnecting with {@code Last-Event-ID} equal to one of the
 * retained events' ids resumes it: the events after that one are sent again and the query goes
 * on, with no new snapshot. Otherwise a new query starts with a {@code reset} (when the client
 * asked to resume) and a snapshot. Retained sessions are released after the retention; a
 * heartbeat notices clients that went away.
 * <p>
 * A session moves between attached (it has an outlet), retained (disconnected, kept for a
 * resume) and released (its query closed) only under its own monitor, so a disconnect, a
 * reconnect taking it over and the retention's end cannot interleave. Events are written under
 * that monitor too, so a transport's own callbacks (which Spring MVC runs holding the emitter's
 * locks) never take it: they hand the disconnect to the timer thread.
 * <p>
 * An event's id is its position, the same for every client of the same shape, so an id does not
 * say whose session it was: a retained session is resumed by any client holding one of its ids
 * (what follows is the same for every session of the shape), but an attached one is taken over
 * only when its own connection proves dead (a heartbeat fails), never from a live client.
 */
final class LiveSessions {

	private static final Logger logger = LoggerFactory.getLogger(LiveSessions.class);

	static final String LAST_EVENT_ID = "Last-Event-ID";

	private final LiveQueries live;

	private final LiveQueryOptions options;

	/** Connected sessions: a reconnect looks among those of its shape only. */
	private final ByShape attached = new ByShape();

	/** Disconnected sessions kept for a resume. */
	private final ByShape retained = new ByShape();

	private final ScheduledExecutorService scheduler;

	private final ScheduledFuture<?> heartbeat;

	private volatile boolean closed;

	LiveSessions(LiveQueries live, LiveQueryOptions options, ScheduledExecutorService scheduler) {
		this.live = live;
		this.options = options;
		this.scheduler = scheduler;
		long period = options.sseHeartbeat().toMillis();
		this.heartbeat = scheduler.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
	}

	/** @return the header's id, {@code null} when it is missing or blank */
	static @Nullable String lastEventId(@Nullable String header) {
		return (header != null && !header.isBlank()) ? header.trim() : null;
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

	/**
	 * Connect a client: resume the session that sent {@code lastEventId} if one still can, else
	 * start a new live query.
	 * @param shape what to follow
	 * @param lastEventId the client's {@code Last-Event-ID}, {@code null} for none
	 * @param outlet the connection
	 * @throws IllegalArgumentException as {@link LiveQueries#subscribe}
	 * @throws IllegalStateException once the live queries are closed
	 */
	void open(Shape shape, @Nullable String lastEventId, Outlet outlet) {
		if (this.closed) {
			throw new IllegalStateException("Live queries are closed");
		}
		if (lastEventId != null && resume(shape, lastEventId, outlet)) {
			return;
		}
		Session session = new Session(shape, lastEventId != null);
		// the listener may run before subscribe returns: the outlet is attached first
		session.attach(outlet, null);
		LiveQuery query;
		try {
			query = this.live.subscribe(shape, session);
		}
		catch (RuntimeException ex) {
			session.abandon();
			throw ex;
		}
		session.started(query);
	}

	private boolean resume(Shape shape, String id, Outlet outlet) {
		for (Session session : this.retained.of(shape)) {
			if (session.resume(id, outlet)) {
				return true;
			}
		}
		// a browser often reconnects before the server noticed the old connection is gone
		for (Session session : this.attached.of(shape)) {
			if (session.takeOver(id, outlet)) {
				return true;
			}
		}
		return false;
	}

	int attached() {
		return this.attached.size();
	}

	int detached() {
		return this.retained.size();
	}

	// one session's failure must not end the timer's runs for all
	private void tick() {
		for (Session session : this.attached.all()) {
			try {
				session.heartbeat();
			}
			catch (RuntimeException ex) {
				logger.warn("Live queries: heartbeat of a client of {} failed: {}", session.shape, ex.toString());
			}
		}
		long now = System.nanoTime();
		long retention = this.options.sseRetention().toNanos();
		for (Session session : this.retained.all()) {
			try {
				session.expire(now, retention);
			}
			catch (RuntimeException ex) {
				logger.warn("Live queries: releasing a client of {} failed: {}", session.shape, ex.toString());
			}
		}
	}

	/** A transport callback noticed the connection ended: detached on the timer, not in the callback. */
	private void ended(Session session, Outlet outlet) {
		try {
			this.scheduler.execute(() -> session.detach(outlet));
		}
		catch (RejectedExecutionException ex) {
			// closing
			session.detach(outlet);
		}
	}

	void close() {
		this.closed = true;
		this.heartbeat.cancel(false);
		for (Session session : this.attached.all()) {
			session.end();
		}
		for (Session session : this.retained.all()) {
			session.end();
		}
	}

	/**
	 * Sessions by shape. A shape's set is changed only inside the map's compute, so a session is
	 * never added to a set just emptied and dropped (and then lost).
	 */
	private static final class ByShape {

		private final Map<Shape, Set<Session>> sessions = new ConcurrentHashMap<>();

		void add(Session session) {
			this.sessions.compute(session.shape, (shape, set) -> {
				Set<Session> sessions = (set != null) ? set : ConcurrentHashMap.newKeySet();
				sessions.add(session);
				return sessions;
			});
		}

		/** @return whether it was there */
		boolean remove(Session session) {
			boolean[] removed = new boolean[1];
			this.sessions.computeIfPresent(session.shape, (shape, set) -> {
				removed[0] = set.remove(session);
				return set.isEmpty() ? null : set;
			});
			return removed[0];
		}

		List<Session> of(Shape shape) {
			Set<Session> set = this.sessions.get(shape);
			return (set != null) ? List.copyOf(set) : List.of();
		}

		List<Session> all() {
			List<Session> all = new ArrayList<>();
			for (Set<Session> set : this.sessions.values()) {
				all.addAll(set);
			}
			return all;
		}

		int size() {
			int count = 0;
			for (Set<Session> set : this.sessions.values()) {
				count += set.size();
			}
			return count;
		}

	}

	/** A client connection, as the transport carries it. */
	interface Outlet {

		/**
		 * @param event to send
		 * @return whether it was sent: {@code false} when the client is gone
		 */
		boolean send(Event event);

		/** @return whether the heartbeat was sent: {@code false} when the client is gone */
		boolean heartbeat();

		/** End the response (the client may reconnect). */
		void complete();

		/**
		 * @param callback to run when the transport notices the connection ended (completed,
		 * timed out, failed or cancelled)
		 */
		void onEnd(Runnable callback);

	}

	/**
	 * An event as sent: {@code snapshot}, {@code change} or {@code reset}.
	 * @param name the event's name
	 * @param id its id (the position), {@code null} for a reset
	 * @param data its JSON data
	 */
	record Event(String name, @Nullable String id, Object data) {
	}

	/** One client: its live query and the events it was sent. */
	private final class Session implements LiveQueryListener {

		private final Shape shape;

		private final ArrayDeque<Event> sent = new ArrayDeque<>();

		private boolean resetFirst;

		// the fields below are guarded by this session's monitor

		private @Nullable Outlet outlet;

		private @Nullable LiveQuery query;

		private boolean released;

		private long detachedAt;

		Session(Shape shape, boolean resetFirst) {
			this.shape = shape;
			this.resetFirst = resetFirst;
		}

		@Override
		public void onSnapshot(List<Map<String, @Nullable Object>> rows, String position) {
			if (this.resetFirst) {
				this.resetFirst = false;
				send(new Event("reset", null, reset("the changes since the client's Last-Event-ID are no longer held")));
			}
			send(new Event("snapshot", position, snapshot(rows, position)));
		}

		@Override
		public void onChange(ShapeChange change) {
			send(new Event("change", change.position(), change));
		}

		@Override
		public void onReset(String reason) {
			this.resetFirst = false;
			send(new Event("reset", null, reset(reason)));
		}

		private void send(Event event) {
			Outlet failed = null;
			synchronized (this) {
				int keep = (LiveSessions.this.options.sseRetention().isZero()) ? 0
						: LiveSessions.this.options.sseRetainedEvents();
				if (keep > 0) {
					this.sent.add(event);
					while (this.sent.size() > keep) {
						this.sent.poll();
					}
				}
				Outlet target = this.outlet;
				if (target != null && !target.send(event)) {
					failed = target;
				}
			}
			if (failed != null) {
				// that connection, not one that took over since
				detach(failed);
			}
		}

		/** Its query is open: closed at once if the session ended meanwhile. */
		void started(LiveQuery query) {
			boolean close;
			synchronized (this) {
				this.query = query;
				close = this.released;
			}
			if (close) {
				query.close();
			}
		}

		private boolean holds(String id) {
			LiveQuery current = this.query;
			if (this.released || current == null || !current.isOpen()) {
				return false;
			}
			for (Event event : this.sent) {
				if (id.equals(event.id())) {
					return true;
				}
			}
			return false;
		}

		void attach(Outlet outlet, @Nullable String resumeAfter) {
			synchronized (this) {
				this.outlet = outlet;
				LiveSessions.this.attached.add(this);
				if (resumeAfter != null) {
					for (Event event : replay(resumeAfter)) {
						if (!outlet.send(event)) {
							break;
						}
					}
				}
			}
			outlet.onEnd(() -> ended(this, outlet));
		}

		/** A reconnect of a retained session. */
		boolean resume(String id, Outlet outlet) {
			synchronized (this) {
				if (this.outlet != null || !holds(id) || !LiveSessions.this.retained.remove(this)) {
					return false;
				}
				attach(outlet, id);
			}
			return true;
		}

		/**
		 * A reconnect of an attached session whose connection is dead but not noticed yet: the
		 * old connection is completed. A live one (its heartbeat goes through) is another client's.
		 */
		boolean takeOver(String id, Outlet outlet) {
			Outlet old;
			synchronized (this) {
				old = this.outlet;
				if (old == null || !holds(id) || old.heartbeat()) {
					return false;
				}
				LiveSessions.this.attached.remove(this);
				attach(outlet, id);
			}
			// its end is no longer this session's: detach(old) finds another outlet
			old.complete();
			return true;
		}

		private List<Event> replay(String resumeAfter) {
			Event[] all = this.sent.toArray(new Event[0]);
			// after the last event with that id
			for (int i = all.length - 1; i >= 0; i--) {
				if (resumeAfter.equals(all[i].id())) {
					return List.of(all).subList(i + 1, all.length);
				}
			}
			return new ArrayList<>();
		}

		void detach(Outlet outlet) {
			boolean release;
			synchronized (this) {
				if (this.outlet != outlet) {
					return;
				}
				this.outlet = null;
				LiveSessions.this.attached.remove(this);
				LiveQuery current = this.query;
				// a query not open yet is kept: started() sees it retained
				release = this.released || LiveSessions.this.options.sseRetention().isZero()
						|| (current != null && !current.isOpen());
				if (!release) {
					this.detachedAt = System.nanoTime();
					LiveSessions.this.retained.add(this);
				}
			}
			if (release) {
				release();
			}
		}

		void heartbeat() {
			Outlet current;
			boolean closed;
			synchronized (this) {
				current = this.outlet;
				if (current == null) {
					return;
				}
				LiveQuery query = this.query;
				closed = query != null && !query.isOpen();
				if (!closed && current.heartbeat()) {
					return;
				}
			}
			if (closed) {
				current.complete();
			}
			detach(current);
		}

		void expire(long now, long retention) {
			synchronized (this) {
				if (this.outlet != null || now - this.detachedAt < retention
						|| !LiveSessions.this.retained.remove(this)) {
					return;
				}
			}
			release();
		}

		/** Its query could not start: nothing to retain. */
		void abandon() {
			synchronized (this) {
				this.outlet = null;
				LiveSessions.this.attached.remove(this);
				LiveSessions.this.retained.remove(this);
			}
			release();
		}

		/** The application closes: the response ends and the query is released. */
		void end() {
			Outlet current;
			synchronized (this) {
				current = this.outlet;
				this.outlet = null;
				LiveSessions.this.attached.remove(this);
				LiveSessions.this.retained.remove(this);
			}
			if (current != null) {
				current.complete();
			}
			release();
		}

		private void release() {
			LiveQuery current;
			synchronized (this) {
				this.released = true;
				current = this.query;
				this.sent.clear();
			}
			if (current != null) {
				current.close();
			}
		}

	}

}
