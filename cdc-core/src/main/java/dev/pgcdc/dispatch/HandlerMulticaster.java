package dev.pgcdc.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.BatchHandler;
import dev.pgcdc.stream.HandlerCallScope;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.retry.RetryPolicy;

/**
 * Calls the registered handlers for each batch of the stream, on the stream's dispatcher
 * thread, or, with parallel dispatch, on each {@link #newLane() lane}'s thread (see
 * {@link PartitionedDispatcher}: each lane then gets the events of its partitions, and everything
 * below holds per lane).
 * <p>
 * Order: events in WAL order; for each event, its matching per-event handlers (parameters
 * {@code ChangeEvent}, a row, {@code LogicalMessage}...) in handler order ({@code @Order},
 * then registration order). Handlers taking {@code List<ChangeEvent>} run once per chunk
 * (one {@link TransactionBatch}: a whole transaction, or a bounded part of one larger than the
 * stream's batch size), <em>after</em> all the per-event handlers of that chunk, whatever their
 * {@code @Order} relative to the per-event handlers; among themselves they run in handler
 * order. Each gets an unmodifiable list of its matching events of the chunk, in WAL order, and
 * is not called for a chunk without any.
 * <p>
 * Errors: a handler that throws is retried with the {@link RetryPolicy}'s back-off; after the
 * last retry the {@link ErrorPolicy} decides. {@code STOP} throws out of
 * {@link #handle(TransactionBatch)}, so the stream fails without acknowledging the
 * transaction. {@code SKIP} gives the events to the {@link CdcErrorHandler} (the dead letter),
 * logs and goes on. A row that cannot be bound or a condition that cannot be evaluated goes
 * straight to the error policy, as retrying cannot change it.
 * <p>
 * Tables disabled in the registry are checked at each transaction's first batch: their
 * events are acknowledged without dispatch from the next transaction on.
 * <p>
 * Routing: the handlers that may see a table's events of one operation are found once and
 * kept (see {@link HandlerRoutes}) until a handler is registered or a table filter is set,
 * which takes effect from the next batch. Handlers binding the row to the same type get one
 * conversion, and so one instance, per event. Retries and the error policy are the
 * {@link RetryingErrorHandler}'s.
 */
public final class HandlerMulticaster implements BatchHandler {

	/** Default number of retries after a handler's first failure. */
	public static final int DEFAULT_MAX_RETRIES = 3;

	/** Default delay before the first retry. */
	public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMillis(200);

	/** Default factor applied to the delay after each retry. */
	public static final double DEFAULT_RETRY_MULTIPLIER = 2.0;

	/** Default longest delay between retries. */
	public static final Duration DEFAULT_RETRY_MAX_DELAY = Duration.ofSeconds(5);

	private static final Logger logger = LoggerFactory.getLogger(HandlerMulticaster.class);

	private final HandlerRegistry registry;

	private final RetryingErrorHandler errors;

	/** The lane of the stream's own delivery thread: the {@link BatchHandler} side of this class. */
	private final Lane lane;

	private volatile HandlerCallScope callScope = HandlerCallScope.DIRECT;

	// an array, so telling the observers allocates no iterator per event
	private volatile DispatchObserver[] observers = new DispatchObserver[0];

	/**
	 * Create a dispatcher.
	 * @param registry the handlers
	 * @param retryPolicy how failing handlers are retried
	 * @param errorPolicy what happens after the last retry
	 * @param errorHandler the dead letter for {@link ErrorPolicy#SKIP}, if any
	 */
	public HandlerMulticaster(HandlerRegistry registry, RetryPolicy retryPolicy, ErrorPolicy errorPolicy,
			@Nullable CdcErrorHandler errorHandler) {
		this.registry = registry;
		this.errors = new RetryingErrorHandler(retryPolicy, errorPolicy, errorHandler);
		this.lane = new Lane();
	}

	/**
	 * A handler of its own for one more thread calling these handlers at the same time as the
	 * others (parallel dispatch, {@code cdc.dispatch.concurrency}): it shares the registry, the
	 * retries, the error policy, the observers and the call scope, and keeps its own routes and
	 * per-event state, so each lane may run on its own thread (one thread at a time per lane).
	 * @return a new lane
	 */
	public BatchHandler newLane() {
		return new Lane();
	}

	/**
	 * A retry policy retrying every {@link Exception} (not {@link Error}s) with exponential
	 * back-off.
	 * @param maxRetries retries after the first failure, {@code 0} for none
	 * @param delay the delay before the first retry
	 * @param multiplier the factor applied to the delay after each retry
	 * @param maxDelay the longest delay
	 * @return the policy
	 */
	public static RetryPolicy retryPolicy(long maxRetries, Duration delay, double multiplier, Duration maxDelay) {
		return RetryPolicy.builder()
			.maxRetries(maxRetries)
			.delay(delay)
			.multiplier(multiplier)
			.maxDelay(maxDelay)
			.predicate((ex) -> ex instanceof Exception)
			.build();
	}

	/** @return the default retry policy ({@value #DEFAULT_MAX_RETRIES} retries, 200ms doubling to 5s) */
	public static RetryPolicy defaultRetryPolicy() {
		return retryPolicy(DEFAULT_MAX_RETRIES, DEFAULT_RETRY_DELAY, DEFAULT_RETRY_MULTIPLIER, DEFAULT_RETRY_MAX_DELAY);
	}

	/**
	 * Add an observer, told about every event and handler call from then on.
	 * @param observer the observer
	 */
	public synchronized void addObserver(DispatchObserver observer) {
		DispatchObserver[] observers = Arrays.copyOf(this.observers, this.observers.length + 1);
		observers[observers.length - 1] = observer;
		this.observers = observers;
	}

	/**
	 * Run every handler call within a scope, such as a savepoint that undoes a failed call's work
	 * before it is retried or skipped (the jdbc offsets store). Default: {@link HandlerCallScope#DIRECT}.
	 * @param scope the scope
	 */
	public void setCallScope(HandlerCallScope scope) {
		this.callScope = scope;
	}

	/** @return the error policy */
	public ErrorPolicy errorPolicy() {
		return this.errors.errorPolicy();
	}

	@Override
	public @Nullable String inProgress() {
		return this.lane.inProgress();
	}

	@Override
	public void handle(TransactionBatch batch) {
		this.lane.handle(batch);
	}

	/**
	 * The routes and per-event state of one delivering thread; what {@link HandlerMulticaster}
	 * does for a batch. Called by one thread at a time.
	 */
	private final class Lane implements BatchHandler {

		private final HandlerRoutes routes = new HandlerRoutes(HandlerMulticaster.this.registry);

		private final BoundRows rows = new BoundRows();

		private Set<TableName> disabledTables = Set.of();

		// the table of the previous event: the decoder gives the events of one relation the same
		// name strings, so a run of events of one table shares one TableName
		private @Nullable TableName lastTable;

		/** The handler being called now, for the shutdown warning (written by the lane's thread only). */
		private volatile @Nullable HandlerMethod current;

		@Override
		public @Nullable String inProgress() {
			HandlerMethod handler = this.current;
			return (handler != null) ? handler.id() : null;
		}

		@Override
		public void handle(TransactionBatch batch) {
			if (batch.first()) {
				this.disabledTables = HandlerMulticaster.this.registry.disabledTables();
			}
			List<HandlerMethod> handlers = this.routes.refresh();
			@Nullable Map<HandlerMethod, List<ChangeEvent>> chunks = null;
			try {
				for (CdcEvent event : batch.events()) {
					if (event instanceof ChangeEvent change) {
						chunks = dispatch(change, chunks);
					}
					else if (event instanceof LogicalMessage message) {
						dispatch(message, handlers);
					}
				}
			}
			finally {
				this.rows.clear();
			}
			if (chunks == null) {
				return;
			}
			for (HandlerMethod handler : handlers) {
				List<ChangeEvent> chunk = chunks.get(handler);
				if (chunk != null) {
					// one unmodifiable copy: the handler cannot change what retries and the error handler see
					List<ChangeEvent> events = List.copyOf(chunk);
					deliver(handler, events.get(0), events);
				}
			}
		}

		private @Nullable Map<HandlerMethod, List<ChangeEvent>> dispatch(ChangeEvent event,
				@Nullable Map<HandlerMethod, List<ChangeEvent>> chunks) {
			TableName table = tableOf(event);
			HandlerRoutes.Route route = this.routes.route(table);
			TableStats stats = route.stats();
			if (this.disabledTables.contains(table)) {
				stats.countIgnored();
				return chunks;
			}
			stats.countReceived(event.commitTimestamp());
			for (DispatchObserver observer : HandlerMulticaster.this.observers) {
				observer.eventReceived(event);
			}
			if (!route.tableFilter().accepts(event)) {
				stats.countFiltered();
				return chunks;
			}
			for (HandlerMethod handler : route.handlers(event.operation())) {
				boolean accepted;
				try {
					accepted = handler.filter().accepts(event);
				}
				catch (RuntimeException ex) {
					handler.stats().countFailure(ex);
					HandlerMulticaster.this.errors.giveUp(handler, List.of(event), ex, 0);
					continue;
				}
				if (!accepted) {
					handler.stats().countFiltered();
				}
				else if (handler.isBatch()) {
					chunks = (chunks != null) ? chunks : new LinkedHashMap<>();
					chunks.computeIfAbsent(handler, (key) -> new ArrayList<>()).add(event);
				}
				else {
					deliver(handler, event, List.of());
				}
			}
			return chunks;
		}

		private TableName tableOf(ChangeEvent event) {
			TableName last = this.lastTable;
			if (last != null && last.schema() == event.schema() && last.name() == event.table()) {
				return last;
			}
			TableName table = new TableName(event.schema(), event.table());
			this.lastTable = table;
			return table;
		}

		private void dispatch(LogicalMessage message, List<HandlerMethod> handlers) {
			for (HandlerMethod handler : handlers) {
				if (handler.handles(message)) {
					deliver(handler, message, List.of());
				}
			}
		}

		/**
		 * Bind and call one handler, for one event or (batch handlers) one chunk; on failure the
		 * error handler retries and applies the policy.
		 */
		private void deliver(HandlerMethod handler, CdcEvent event, List<ChangeEvent> chunk) {
			@Nullable Object[] arguments;
			try {
				arguments = handler.arguments(event, chunk, this.rows);
			}
			catch (RuntimeException ex) {
				handler.stats().countFailure(ex);
				HandlerMulticaster.this.errors.giveUp(handler, RetryingErrorHandler.events(event, chunk), ex, 0);
				return;
			}
			try {
				attempt(handler, arguments, event, chunk);
			}
			catch (Exception ex) {
				HandlerMulticaster.this.errors.retry(handler, event, chunk, ex, () -> attempt(handler, arguments, event, chunk));
			}
		}

		/** One call of the handler, timed and observed. */
		private void attempt(HandlerMethod handler, @Nullable Object[] arguments, CdcEvent event, List<ChangeEvent> chunk)
				throws Exception {
			long start = System.nanoTime();
			this.current = handler;
			try {
				HandlerCallScope scope = HandlerMulticaster.this.callScope;
				if (scope == HandlerCallScope.DIRECT) {
					handler.invoke(arguments);
				}
				else {
					scope.run(() -> handler.invoke(arguments));
				}
				observeInvocation(handler, start, null);
			}
			catch (Exception ex) {
				observeInvocation(handler, start, ex);
				handler.stats().countFailure(ex);
				if (logger.isDebugEnabled()) {
					logger.debug("CDC handler {} failed on {}", handler.id(),
							RetryingErrorHandler.describe(RetryingErrorHandler.events(event, chunk)), ex);
				}
				throw ex;
			}
			finally {
				this.current = null;
			}
		}

		private void observeInvocation(HandlerMethod handler, long start, @Nullable Throwable error) {
			DispatchObserver[] observers = HandlerMulticaster.this.observers;
			if (observers.length == 0) {
				return;
			}
			long nanos = System.nanoTime() - start;
			for (DispatchObserver observer : observers) {
				observer.handlerInvoked(handler, nanos, error);
			}
		}

	}

}
