package dev.pgcdc.live;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import javax.sql.DataSource;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.event.EventPosition;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.live.TableCatalog.TableMeta;
import dev.pgcdc.replication.ChangeStreamBuilder;
import dev.pgcdc.replication.RowMap;
import dev.pgcdc.replication.StreamListener;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.types.JdbcTypeCatalog;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import reactor.core.publisher.Flux;

/**
 * Live queries on the application's change stream: {@link #subscribe} a {@link Shape} and its
 * listener gets the shape's current rows, then every committed change to them, relative to the
 * shape, in commit order, with no change lost between the two and none delivered twice.
 * <p>
 * How: the query is registered with the stream's router first, so every change routed from now
 * on is buffered for it; then its catch-up query runs in a read-only repeatable-read
 * transaction that also reads {@code pg_current_snapshot()}. A buffered or later change whose
 * transaction that snapshot saw is already in the rows and is dropped; every other one is
 * delivered (the snapshot-visibility merge of Electric; see docs/live-queries.md for why not
 * the LSN comparison). Routing is indexed by (table, column, value), so one change costs the
 * same with ten or 100,000 open queries. Each query has a bounded buffer and its listener runs
 * on this object's executor, never on the stream's thread: a slow listener is reset (a new
 * snapshot), it never slows the stream. When the stream cannot vouch for continuity (a new
 * temporary slot after a reconnect, a recreated slot, a TRUNCATE) every open query of the
 * affected tables gets {@link LiveQueryListener#onReset} and a new snapshot.
 * <p>
 * Wiring without Spring Boot: {@link #attach(ChangeStreamBuilder)} the builder of the stream
 * whose {@link CdcSubscriptions} this was given. The starter does that.
 */
public final class LiveQueries implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(LiveQueries.class);

	private static final int RECENT = 64;

	private static final int ATTEMPTS = 100;

	private static final String POSITION = "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
			+ " ELSE pg_current_wal_lsn() END::text";

	private final DataSource dataSource;

	private final CdcSubscriptions subscriptions;

	private final LiveQueryOptions options;

	private final TableCatalog catalog;

	private final TypeRegistry types;

	private final ShapeIndex index = new ShapeIndex();

	private final Set<Subscription> open = ConcurrentHashMap.newKeySet();

	private final LongAdder changes = new LongAdder();

	private final LongAdder resets = new LongAdder();

	private final ExecutorService executor;

	private final DeliveryQueue deliveries;

	private final ScheduledExecutorService scheduler;

	private final Object subscribeMonitor = new Object();

	private volatile @Nullable LiveSessions sessions;

	/** The last transactions routed, newest at {@code routed - 1} (written by the stream's thread only). */
	private final AtomicLongArray recent = new AtomicLongArray(RECENT);

	private volatile long routed;

	/**
	 * @param dataSource where catch-up queries run, with the application's rights (its own
	 * {@code DataSource}, or one on the stream's database)
	 * @param subscriptions the stream's subscriptions: a shape's table is added when it is not
	 * subscribed yet
	 * @param options buffer sizes, threads, SSE retention
	 */
	public LiveQueries(DataSource dataSource, CdcSubscriptions subscriptions, LiveQueryOptions options) {
		this.dataSource = dataSource;
		this.subscriptions = subscriptions;
		this.options = options;
		this.catalog = new TableCatalog(dataSource);
		this.types = new TypeRegistry(new JdbcTypeCatalog(dataSource));
		AtomicInteger threads = new AtomicInteger();
		this.executor = new ThreadPoolExecutor(options.threads(), options.threads(), 0, TimeUnit.MILLISECONDS,
				new LinkedBlockingQueue<>(), (task) -> {
					Thread thread = new Thread(task, "pgcdc-live-" + threads.incrementAndGet());
					thread.setDaemon(true);
					return thread;
				});
		this.deliveries = new DeliveryQueue(options.threads(), this.executor);
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "pgcdc-live-timer");
			thread.setDaemon(true);
			return thread;
		});
		scheduler.setRemoveOnCancelPolicy(true);
		this.scheduler = scheduler;
	}

	/**
	 * Hand the stream's changes and continuity to these live queries: routes every batch before
	 * the handlers see it, and resets the open queries when the stream starts on a new slot.
	 * @param builder the builder of the stream of this object's {@link CdcSubscriptions}
	 * @return the builder
	 */
	public ChangeStreamBuilder attach(ChangeStreamBuilder builder) {
		return builder.relay(this::route).listener(new Continuity());
	}

	/**
	 * Open a live query. The shape is checked against the catalog here; its table is added to the
	 * stream's subscriptions (and publication) when it is not subscribed yet. The listener then
	 * receives {@link LiveQueryListener#onSnapshot} and the changes, on another thread.
	 * @param shape what to follow
	 * @param listener receives the rows and changes
	 * @return the query, to close when done
	 * @throws IllegalArgumentException for an unknown table or column, a value of the wrong type,
	 * a table without primary key or that the application may not read, a table whose replica
	 * identity does not give the old values the shape's conditions need
	 * @throws IllegalStateException if the change stream is not running
	 */
	public LiveQuery subscribe(Shape shape, LiveQueryListener listener) {
		Objects.requireNonNull(shape, "shape");
		Objects.requireNonNull(listener, "listener");
		TableName table = shape.table();
		TableMeta meta = this.catalog.lookup(table);
		ShapePlan plan = ShapePlan.of(shape, meta);
		if (this.subscriptions.get(table).isEmpty()) {
			synchronized (this.subscribeMonitor) {
				if (this.subscriptions.get(table).isEmpty()) {
					this.subscriptions.add(table);
					logger.info("Live queries: table {} added to the stream's subscriptions", table);
					// adding may have changed its replica identity
					this.catalog.evict(table);
					meta = this.catalog.lookup(table);
					plan = ShapePlan.of(shape, meta);
				}
			}
		}
		if (meta.replicaIdentity() != 'f' && !plan.conditionsOnKey()) {
			throw new IllegalArgumentException("Table " + table + " has replica identity "
					+ identity(meta.replicaIdentity()) + ": the stream does not send the old values of its rows, so an"
					+ " update moving a row out of " + shape + " cannot be seen. Set cdc.table." + table.name()
					+ ".replica-identity=full (or cdc.replica-identity=full), or use conditions on the primary key only");
		}
		Subscription subscription = new Subscription(this, plan, listener, this.options.bufferSize());
		// registered before the snapshot is read: nothing routed after this is missed
		this.open.add(subscription);
		this.index.add(subscription);
		subscription.start();
		return subscription;
	}

	private static String identity(char identity) {
		return switch (identity) {
			case 'd' -> "DEFAULT";
			case 'i' -> "USING INDEX";
			case 'n' -> "NOTHING";
			default -> "FULL";
		};
	}

	/**
	 * A live query as Server-Sent Events for a Spring MVC controller: {@code snapshot}
	 * ({@code {"rows": [...], "position": ...}}), {@code change} (a {@link ShapeChange}) and
	 * {@code reset} ({@code {"reason": ...}}) events, each {@code id:} the position. A browser
	 * reconnecting with the request's {@code Last-Event-ID} header resumes where it was while
	 * this application still holds what followed (see {@link LiveQueryOptions#sseRetention()}),
	 * otherwise it gets a {@code reset} and a new snapshot. Needs spring-webmvc.
	 * <p>
	 * The result is a {@link SseEmitter}, typed by the call site ({@code return live.sse(shape)}
	 * from a method returning {@code SseEmitter}, or {@code SseEmitter emitter = live.sse(shape)}):
	 * declared generic so that this bean loads in applications without Spring MVC.
	 * @param <E> {@link SseEmitter}
	 * @param shape what to follow
	 * @return the emitter, to return from the controller method
	 * @throws IllegalArgumentException as {@link #subscribe}
	 */
	@SuppressWarnings("unchecked")
	public <E> E sse(Shape shape) {
		return (E) LiveSse.open(sessions(), this.options, shape, LiveSse.lastEventId());
	}

	/**
	 * As {@link #sse(Shape)}, with the {@code Last-Event-ID} given explicitly.
	 * @param <E> {@link SseEmitter}
	 * @param shape what to follow
	 * @param lastEventId the id of the last event the client received, {@code null} for none
	 * @return the emitter
	 */
	@SuppressWarnings("unchecked")
	public <E> E sse(Shape shape, @Nullable String lastEventId) {
		return (E) LiveSse.open(sessions(), this.options, shape, LiveSessions.lastEventId(lastEventId));
	}

	/**
	 * A live query as a stream of Server-Sent Events for WebFlux or any Reactor consumer, with
	 * the events of {@link #sse(Shape)}; each subscription is one client connection, and its
	 * query is retained for a resume when the subscription is cancelled (as an SSE client's is
	 * when it disconnects). In a WebFlux application that registers Spring's
	 * {@code ServerWebExchangeContextFilter} the request's {@code Last-Event-ID} is read from
	 * the Reactor context; otherwise pass it with {@link #flux(Shape, String)}. Flow control is
	 * Reactor's: events wait in the sink's buffer while the subscriber does not request them.
	 * @param shape what to follow
	 * @return the events
	 * @throws IllegalArgumentException as {@link #subscribe}
	 */
	public Flux<ServerSentEvent<?>> flux(Shape shape) {
		// bad shapes fail here, not only when subscribed to
		ShapePlan.of(shape, this.catalog.lookup(shape.table()));
		return LiveFlux.flux(sessions(), shape);
	}

	/**
	 * As {@link #flux(Shape)}, resuming from the {@code Last-Event-ID} given (a WebFlux
	 * controller's {@code @RequestHeader(name = "Last-Event-ID", required = false)}): the events
	 * after it while this application still holds them, otherwise a {@code reset} and a snapshot.
	 * @param shape what to follow
	 * @param lastEventId the id of the last event the client received, {@code null} for none
	 * @return the events
	 * @throws IllegalArgumentException as {@link #subscribe}
	 */
	public Flux<ServerSentEvent<?>> flux(Shape shape, @Nullable String lastEventId) {
		ShapePlan.of(shape, this.catalog.lookup(shape.table()));
		return LiveFlux.flux(sessions(), shape, LiveSessions.lastEventId(lastEventId));
	}

	// package-private for LiveSessionsTests
	LiveSessions sessions() {
		LiveSessions sessions = this.sessions;
		if (sessions == null) {
			synchronized (this.subscribeMonitor) {
				sessions = this.sessions;
				if (sessions == null) {
					sessions = new LiveSessions(this, this.options, this.scheduler);
					this.sessions = sessions;
				}
			}
		}
		return sessions;
	}

	/** @return what is open now, for the actuator endpoint */
	public Status status() {
		Map<String, Integer> tables = new TreeMap<>();
		for (Subscription subscription : this.open) {
			tables.merge(subscription.plan().meta().table().toString(), 1, Integer::sum);
		}
		LiveSessions sessions = this.sessions;
		return new Status(this.open.size(), (sessions != null) ? sessions.attached() : 0,
				(sessions != null) ? sessions.detached() : 0, this.changes.sum(), this.resets.sum(),
				Collections.unmodifiableMap(tables));
	}

	/** @return the number of open live queries (SSE clients and retained ones included) */
	public int openQueries() {
		return this.open.size();
	}

	/** @return the number of changes delivered to listeners so far */
	public long changesDelivered() {
		return this.changes.sum();
	}

	/**
	 * Whether every open query has delivered everything routed to it: after
	 * {@code CdcSubscriptions.awaitCaughtUp}, the listeners have seen every committed change.
	 * @return whether no query has work waiting
	 */
	public boolean isIdle() {
		for (Subscription subscription : this.open) {
			if (subscription.isOpen() && !subscription.isIdle()) {
				return false;
			}
		}
		return true;
	}

	/** Close every live query and stop the delivery threads. */
	@Override
	public void close() {
		LiveSessions sessions = this.sessions;
		if (sessions != null) {
			sessions.close();
		}
		for (Subscription subscription : List.copyOf(this.open)) {
			subscription.close();
		}
		this.scheduler.shutdownNow();
		this.executor.shutdownNow();
	}

	// the stream's side

	// package-private for the routing benchmark (cdc-benchmarks: dev.pgcdc.live.RoutingBenchmark)
	void route(TransactionBatch batch) {
		if (batch.last() && batch.xid() != 0) {
			long count = this.routed;
			this.recent.set((int) (count % RECENT), batch.xid());
			this.routed = count + 1;
		}
		if (this.open.isEmpty()) {
			return;
		}
		try {
			this.index.route(batch.events());
		}
		finally {
			// the queries this batch concerns are queued together: one wake-up for all of them
			this.deliveries.wakeRouted();
		}
	}

	private void resetAll(String reason) {
		List<Subscription> subscriptions = List.copyOf(this.open);
		if (subscriptions.isEmpty()) {
			return;
		}
		logger.info("Live queries: {} reset, {}", subscriptions.size(), reason);
		for (Subscription subscription : subscriptions) {
			subscription.reset(reason);
		}
	}

	/** Resets every open query when the stream cannot vouch for continuity. */
	private final class Continuity implements StreamListener {

		@Override
		public void stateChanged(StreamState previous, StreamState current, @Nullable Throwable cause) {
		}

		@Override
		public void newSlot(boolean durable) {
			resetAll("the stream started on a new replication slot: changes made without one are not in it");
		}

		@Override
		public void slotRecreated() {
			resetAll("the replication slot was recreated: changes made meanwhile are not in the stream");
		}

	}

	// the queries' side

	/**
	 * Run a query's task on a delivery worker.
	 * @param subscription a query that was not scheduled
	 */
	void execute(Subscription subscription) {
		this.deliveries.queue(subscription);
		this.deliveries.wake();
	}

	/**
	 * Queue a query's task on the stream's thread while it routes a batch: the workers are woken
	 * once the batch is routed.
	 * @param subscription a query that was not scheduled
	 */
	void queueRouted(Subscription subscription) {
		this.deliveries.queueRouted(subscription);
	}

	void retryLater(Subscription subscription) {
		try {
			this.scheduler.schedule(() -> execute(subscription), 1, TimeUnit.SECONDS);
		}
		catch (RejectedExecutionException ex) {
			subscription.close();
		}
	}

	void closed(Subscription subscription) {
		this.index.remove(subscription);
		this.open.remove(subscription);
	}

	void changeDelivered() {
		this.changes.increment();
	}

	void resetDelivered(Shape shape, String reason) {
		this.resets.increment();
		logger.debug("Live query {} reset: {}", shape, reason);
	}

	/**
	 * Run a shape's catch-up query.
	 * @param plan the shape
	 * @return its rows, the transactions they include and where the WAL was
	 * @throws IllegalStateException if the server fails
	 */
	Snapshot read(ShapePlan plan) {
		for (int attempt = 1;; attempt++) {
			long[] routedBefore = recentlyRouted();
			Snapshot snapshot = readOnce(plan);
			if (attempt == ATTEMPTS || snapshot.visibility().sawAll(routedBefore)) {
				return snapshot;
			}
			// a transaction the stream already delivered is not visible yet: its commit is in the WAL,
			// its backend has not yet left the proc array (microseconds); read again
			logger.debug("Live query {}: snapshot taken before a routed transaction became visible, reading again",
					plan.shape());
		}
	}

	private long[] recentlyRouted() {
		long count = this.routed;
		int size = (int) Math.min(count, RECENT);
		long[] xids = new long[size];
		for (int i = 0; i < size; i++) {
			xids[i] = this.recent.get((int) ((count - 1 - i) % RECENT));
		}
		return xids;
	}

	private Snapshot readOnce(ShapePlan plan) {
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			int isolation = connection.getTransactionIsolation();
			connection.setAutoCommit(false);
			connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
			connection.setReadOnly(true);
			try {
				Snapshot snapshot = read(connection, plan);
				connection.commit();
				return snapshot;
			}
			finally {
				if (!connection.isClosed()) {
					connection.rollback();
					connection.setReadOnly(false);
					connection.setTransactionIsolation(isolation);
					connection.setAutoCommit(autoCommit);
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot read " + plan.shape() + ": " + ex.getMessage(), ex);
		}
	}

	private Snapshot read(Connection connection, ShapePlan plan) throws SQLException {
		Visibility visibility;
		String position;
		String snapshotFunction = (connection.getMetaData().getDatabaseMajorVersion() >= 13) ? "pg_current_snapshot()"
				: "txid_current_snapshot()";
		// the first statement takes the transaction's snapshot: the one the rows are read in
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT " + snapshotFunction + "::text, " + POSITION)) {
			result.next();
			visibility = Visibility.parse(result.getString(1));
			position = EventPosition.of(LogSequenceNumber.valueOf(result.getString(2)).asLong(), 0);
		}
		String[] names = plan.selected();
		int[] columnTypes = plan.selectedTypes();
		List<Map<String, @Nullable Object>> rows = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement(plan.sql())) {
			List<String> parameters = plan.parameters();
			for (int i = 0; i < parameters.size(); i++) {
				statement.setString(i + 1, parameters.get(i));
			}
			statement.setFetchSize(1000);
			try (ResultSet result = statement.executeQuery()) {
				while (result.next()) {
					@Nullable Object[] values = new Object[names.length];
					for (int i = 0; i < names.length; i++) {
						byte[] raw = result.getBytes(i + 1);
						values[i] = (raw != null)
								? this.types.decodeRead(columnTypes[i], raw, false, names[i], plan.meta().table()) : null;
					}
					rows.add(new RowMap(names, values, values.length));
				}
			}
		}
		return new Snapshot(Collections.unmodifiableList(rows), position, visibility);
	}

	/**
	 * @param rows the shape's rows
	 * @param position the WAL position when they were read
	 * @param visibility the transactions they include
	 */
	record Snapshot(List<Map<String, @Nullable Object>> rows, String position, Visibility visibility) {
	}

	/**
	 * What is open.
	 * @param queries open live queries (SSE clients, attached or retained, included)
	 * @param sseClients connected SSE clients
	 * @param sseRetained disconnected SSE clients kept for a resume
	 * @param changes changes delivered to listeners so far
	 * @param resets resets delivered so far
	 * @param tables open queries per table
	 */
	public record Status(int queries, int sseClients, int sseRetained, long changes, long resets,
			Map<String, Integer> tables) {
	}

}
