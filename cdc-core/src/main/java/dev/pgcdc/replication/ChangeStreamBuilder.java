package dev.pgcdc.replication;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.PartitionedDispatcher;
import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TableName;
import dev.pgcdc.snapshot.IncrementalSnapshots;
import dev.pgcdc.snapshot.SnapshotOptions;
import dev.pgcdc.offsets.OffsetStore;
import dev.pgcdc.stream.AsyncBatchHandler;
import dev.pgcdc.stream.BatchHandler;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.TableInfo;
import dev.pgcdc.stream.TableKeys;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.springframework.util.Assert;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Builds a {@link ChangeStream}: {@code ChangeStream.builder()...start()}. Every value is
 * checked once, by {@link StreamSettings}; the defaults are its {@code DEFAULT_*} constants.
 */
public final class ChangeStreamBuilder {

	private @Nullable String url;

	private @Nullable String username;

	private @Nullable String password;

	private @Nullable String applicationName;

	private final List<TableName> tables = new ArrayList<>();

	private ReplicaIdentity replicaIdentity = ReplicaIdentity.FULL;

	private final Map<TableName, ReplicaIdentity> tableIdentities = new LinkedHashMap<>();

	private @Nullable String publication;

	private PublicationMode publicationMode = PublicationMode.AUTO;

	private @Nullable String slot;

	private boolean durable;

	private int batchSize = StreamSettings.DEFAULT_BATCH_SIZE;

	private int queueCapacity = StreamSettings.DEFAULT_QUEUE_CAPACITY;

	private Duration statusInterval = StreamSettings.DEFAULT_STATUS_INTERVAL;

	private Duration startupWait = StreamSettings.DEFAULT_STARTUP_WAIT;

	private Duration shutdownTimeout = StreamSettings.DEFAULT_SHUTDOWN_TIMEOUT;

	private @Nullable Executor taskExecutor;

	private @Nullable BackOff backOff;

	private final List<StreamListener> listeners = new ArrayList<>();

	private @Nullable Consumer<Collection<TableInfo>> startupCheck;

	private @Nullable BatchHandler handler;

	private @Nullable AsyncBatchHandler asyncHandler;

	private int concurrency = StreamSettings.DEFAULT_CONCURRENCY;

	private @Nullable Consumer<ChangeEvent> onEvent;

	private final List<AsyncBatchHandler> relays = new ArrayList<>();

	private boolean streaming;

	private boolean binary;

	private @Nullable TypeRegistry types;

	private SnapshotOptions snapshots = SnapshotOptions.defaults();

	private boolean failover;

	private @Nullable Duration heartbeatInterval;

	private @Nullable String heartbeatActionQuery;

	private InvalidatedSlotPolicy onInvalidated = StreamSettings.DEFAULT_ON_INVALIDATED;

	private @Nullable OffsetStore offsetStore;

	ChangeStreamBuilder() {
	}

	/** @param url the JDBC URL ({@code jdbc:postgresql://...}) @return this */
	public ChangeStreamBuilder url(String url) {
		this.url = url;
		return this;
	}

	/** @param username the user (needs REPLICATION) @return this */
	public ChangeStreamBuilder username(@Nullable String username) {
		this.username = username;
		return this;
	}

	/** @param password the password @return this */
	public ChangeStreamBuilder password(@Nullable String password) {
		this.password = password;
		return this;
	}

	/**
	 * @param name the application's name: shown as {@code application_name} on the server
	 * (so a slot's holder can be told apart) and the base of the default slot and
	 * publication names ({@code <name>_slot}, {@code <name>_publication})
	 * @return this
	 */
	public ChangeStreamBuilder applicationName(@Nullable String name) {
		this.applicationName = name;
		return this;
	}

	/** @param tables tables to subscribe, as {@link TableName#parse} reads them @return this */
	public ChangeStreamBuilder tables(String... tables) {
		for (String table : tables) {
			this.tables.add(TableName.parse(table));
		}
		return this;
	}

	/** @param tables tables to subscribe @return this */
	public ChangeStreamBuilder tables(Collection<TableName> tables) {
		this.tables.addAll(tables);
		return this;
	}

	/** @param identity replica identity for every table (default FULL) @return this */
	public ChangeStreamBuilder replicaIdentity(ReplicaIdentity identity) {
		this.replicaIdentity = identity;
		return this;
	}

	/** @param table a table @param identity its replica identity @return this */
	public ChangeStreamBuilder replicaIdentity(TableName table, ReplicaIdentity identity) {
		this.tableIdentities.put(table, identity);
		return this;
	}

	/** @param name the publication name (default {@code cdc_publication}) @return this */
	public ChangeStreamBuilder publication(String name) {
		this.publication = name;
		return this;
	}

	/** @param mode AUTO (default) or EXISTING @return this */
	public ChangeStreamBuilder publicationMode(PublicationMode mode) {
		this.publicationMode = mode;
		return this;
	}

	/** @param name the slot name (default derived, with a per-instance suffix when temporary) @return this */
	public ChangeStreamBuilder slot(String name) {
		this.slot = name;
		return this;
	}

	/** @param durable whether the slot is permanent (default false: temporary) @return this */
	public ChangeStreamBuilder durable(boolean durable) {
		this.durable = durable;
		return this;
	}

	/**
	 * @param failover whether the durable slot is to be a failover slot (PostgreSQL 17+; default
	 * false): created with {@code FAILOVER}, or altered to match when it exists, so a promoted
	 * standby that synchronizes slots ({@code sync_replication_slots}) carries on from it. Start-up
	 * fails on an older server and with a temporary slot.
	 * @return this
	 */
	public ChangeStreamBuilder failover(boolean failover) {
		this.failover = failover;
		return this;
	}

	/**
	 * @param policy what to do when the server has invalidated the durable slot (default
	 * {@link InvalidatedSlotPolicy#FAIL}); {@link InvalidatedSlotPolicy#RECREATE} drops it and
	 * streams on from a new one, losing the changes in between
	 * @return this
	 */
	public ChangeStreamBuilder onInvalidatedSlot(InvalidatedSlotPolicy policy) {
		this.onInvalidated = policy;
		return this;
	}

	/**
	 * @param interval when no subscribed table changed for this long, write a heartbeat (an empty
	 * non-transactional logical message with prefix {@code pgcdc.heartbeat}, never delivered to
	 * handlers), so the slot's confirmed position follows the server; {@code null} (the
	 * default) for none
	 * @return this
	 */
	public ChangeStreamBuilder heartbeatInterval(@Nullable Duration interval) {
		this.heartbeatInterval = interval;
		return this;
	}

	/**
	 * @param query a statement to run as the heartbeat instead of the logical message (as
	 * Debezium's {@code heartbeat.action.query}), for example an update of a heartbeat table;
	 * needs {@link #heartbeatInterval(Duration)}
	 * @return this
	 */
	public ChangeStreamBuilder heartbeatActionQuery(@Nullable String query) {
		this.heartbeatActionQuery = query;
		return this;
	}

	/** @param size the largest number of events in one batch (default 1024) @return this */
	public ChangeStreamBuilder batchSize(int size) {
		this.batchSize = size;
		return this;
	}

	/** @param capacity the number of batches queued between reader and dispatcher (default 16) @return this */
	public ChangeStreamBuilder queueCapacity(int capacity) {
		this.queueCapacity = capacity;
		return this;
	}

	/**
	 * @param interval how often standby status updates (the acknowledged position) are sent
	 * while messages arrive, and while a slow handler holds the queue full (default 10s); the
	 * server's keepalives are answered at once either way
	 * @return this
	 */
	public ChangeStreamBuilder statusInterval(Duration interval) {
		this.statusInterval = interval;
		return this;
	}

	/**
	 * @param wait how long {@link ChangeStream#start()} waits for the replication slot and the first
	 * session (default 30s). Creating a slot waits until the transactions open at that moment have
	 * ended; past this wait {@code start()} returns and the stream goes on in the background
	 * (state {@code STARTING}), so a session left idle in transaction cannot hold start-up.
	 * @return this
	 */
	public ChangeStreamBuilder startupWait(Duration wait) {
		this.startupWait = wait;
		return this;
	}

	/**
	 * @param timeout how long {@link ChangeStream#stop()} waits for the handler in progress and the
	 * reader's last acknowledgement (default 10s, as spring-kafka's containers). A handler still
	 * running then is abandoned: its transaction stays unacknowledged and a WARN names it.
	 * @return this
	 */
	public ChangeStreamBuilder shutdownTimeout(Duration timeout) {
		this.shutdownTimeout = timeout;
		return this;
	}

	/**
	 * @param executor runs the stream's two long-running loops (reading and dispatching); it must
	 * give each its own thread. Default: a new thread each, named after the slot.
	 * @return this
	 */
	public ChangeStreamBuilder taskExecutor(Executor executor) {
		this.taskExecutor = executor;
		return this;
	}

	/** @param backOff reconnect back-off (default exponential, 1s to 30s, unlimited) @return this */
	public ChangeStreamBuilder backOff(BackOff backOff) {
		this.backOff = backOff;
		return this;
	}

	/** @param listener told about state changes @return this */
	public ChangeStreamBuilder listener(StreamListener listener) {
		this.listeners.add(listener);
		return this;
	}

	/**
	 * @param check called during start-up with every subscribed table; throw a
	 * {@link CdcConfigurationException} to fail start-up (used to check filter columns)
	 * @return this
	 */
	public ChangeStreamBuilder startupCheck(Consumer<Collection<TableInfo>> check) {
		this.startupCheck = check;
		return this;
	}

	/**
	 * Opt in to {@code pgoutput} streaming of large in-progress transactions (PostgreSQL 14+;
	 * ignored before). The server then sends a transaction larger than
	 * {@code logical_decoding_work_mem} while it runs instead of spilling it to its own
	 * disk; the stream keeps those chunks in a temporary file until the transaction commits
	 * (dropping them on abort) and delivers it as usual. Off by default: without it the
	 * server spills large transactions and the stream still delivers them in bounded batches.
	 * @param streaming whether to request streaming
	 * @return this
	 */
	public ChangeStreamBuilder streaming(boolean streaming) {
		this.streaming = streaming;
		return this;
	}

	/**
	 * @param types decodes column values (default: a registry that looks enums, domains and
	 * extension types up once in {@code pg_type} over the stream's own connection)
	 * @return this
	 */
	public ChangeStreamBuilder typeRegistry(TypeRegistry types) {
		this.types = types;
		return this;
	}

	/**
	 * Opt in to binary values ({@code pgoutput} {@code binary 'true'}, PostgreSQL 14+). Used
	 * only while every column of every published table has a binary decoder in the type
	 * registry; a table or column added later without one makes the stream reconnect in
	 * text format (for a temporary slot, on a new slot). Off by default.
	 * @param binary whether to request binary values
	 * @return this
	 */
	public ChangeStreamBuilder binary(boolean binary) {
		this.binary = binary;
		return this;
	}

	/**
	 * @param options when and how to snapshot the tables (default: on demand only, see
	 * {@link ChangeStream#snapshots()})
	 * @return this
	 */
	public ChangeStreamBuilder snapshots(SnapshotOptions options) {
		this.snapshots = options;
		return this;
	}

	/**
	 * Keep the handled position in a store besides the slot, in step with the handlers' work: the
	 * stream starts from the stored position when it is ahead of the slot's and hands every batch
	 * through the store, which may skip transactions it stored already. With
	 * {@link dev.pgcdc.offsets.JdbcOffsetStore} each transaction's handlers and its position
	 * commit in one database transaction, so their effects on that database happen exactly once.
	 * Default: none, the slot's confirmed position only (at-least-once). When the handler is a
	 * {@code HandlerMulticaster}, give it the store as its call scope too
	 * ({@code setCallScope(store)}), so that a retried or skipped handler call is undone; the
	 * Spring Boot starter does both for {@code cdc.offsets.store=jdbc}.
	 * @param store the store
	 * @return this
	 */
	public ChangeStreamBuilder offsetStore(OffsetStore store) {
		this.offsetStore = store;
		return this;
	}

	/** @param handler receives batches @return this */
	public ChangeStreamBuilder handler(BatchHandler handler) {
		this.handler = handler;
		return this;
	}

	/**
	 * Add a relay: it receives every batch before the handler does (snapshot rows included), on
	 * the same delivery thread, and a transaction is acknowledged only after the relays and the
	 * handler returned for its last batch. For publishing every change elsewhere while the
	 * application's own handlers still run, or routing it (live queries route changes to their
	 * subscribers this way: quickly, never throwing, so they never hold the stream back). Also with
	 * {@link #concurrency} above 1: relays are never split over partitions. Batches of a
	 * transaction redelivered after a reconnect reach it again, with the same positions.
	 * @param relay receives every batch first
	 * @return this
	 */
	public ChangeStreamBuilder relay(BatchHandler relay) {
		this.relays.add(new Relays.Synchronous(relay));
		return this;
	}

	/**
	 * Add a relay that finishes batches after returning (the Kafka relay, which completes a batch
	 * when the broker acknowledged it): it receives every batch before the handlers, on the
	 * delivery thread, in commit order, and a transaction is acknowledged once the relays'
	 * completions and the handlers are done for it and for every transaction before it. The
	 * handlers run while the relay's batch is in flight. With an {@link #offsetStore} the relay is
	 * waited for on the delivery thread (each transaction is then synchronous).
	 * @param relay receives every batch first, with a completion
	 * @return this
	 */
	public ChangeStreamBuilder relay(AsyncBatchHandler relay) {
		this.relays.add(relay);
		return this;
	}

	/**
	 * Deliver to a handler that may complete batches after returning (a relay that waits for its
	 * broker, work queued to other threads): a transaction is acknowledged once its batches and
	 * those of every transaction before it were completed. Instead of {@link #handler} and
	 * {@link #onEvent}; not with an {@link #offsetStore} (its database transaction is the delivery
	 * thread's).
	 * @param handler receives batches with their completions
	 * @return this
	 */
	public ChangeStreamBuilder asyncHandler(AsyncBatchHandler handler) {
		this.asyncHandler = handler;
		return this;
	}

	/**
	 * Run the handler on this many threads at once, the events partitioned by table and primary
	 * key (a table without one: by table), so that the changes of one row stay in commit order while
	 * unrelated rows run in parallel (see {@link PartitionedDispatcher}). A transaction is
	 * acknowledged once all its events and those of every transaction before it were handled.
	 * Default {@code 1}: everything on the stream's one delivery thread, in commit order. With more,
	 * a {@link HandlerMulticaster} given to {@link #handler} gets one lane per thread; any other
	 * handler (and {@link #onEvent}) is called from several threads at once, so must be thread-safe.
	 * Not with an {@link #offsetStore} nor an {@link #asyncHandler}.
	 * @param threads the number of threads, at least 1
	 * @return this
	 */
	public ChangeStreamBuilder concurrency(int threads) {
		this.concurrency = threads;
		return this;
	}

	/** @param consumer receives each row change (logical messages are ignored) @return this */
	public ChangeStreamBuilder onEvent(Consumer<ChangeEvent> consumer) {
		this.onEvent = consumer;
		return this;
	}

	/**
	 * @return a new, not yet started stream
	 * @throws CdcConfigurationException if a setting is missing or invalid
	 */
	public ChangeStream build() {
		if (this.handler == null && this.onEvent == null && this.asyncHandler == null && this.relays.isEmpty()) {
			throw new InvalidStreamSettingException("handler", null,
					"give the stream something to deliver to: handler(...) or onEvent(...), or asyncHandler(...)");
		}
		if (this.asyncHandler != null && (this.handler != null || this.onEvent != null)) {
			throw new InvalidStreamSettingException("asyncHandler", this.asyncHandler,
					"give either asyncHandler(...) or handler(...)/onEvent(...), not both");
		}
		if (this.asyncHandler != null && this.offsetStore != null) {
			throw new InvalidStreamSettingException("offsetStore", this.offsetStore, "an offset store runs each"
					+ " transaction's handlers in one database transaction on the delivery thread, which an asynchronous"
					+ " handler leaves before its work is done: use one or the other");
		}
		String publicationName = (this.publication != null) ? this.publication
				: StreamNames.defaultPublication(this.applicationName);
		String slotName = (this.slot != null) ? StreamNames.validSlot(this.slot)
				: StreamNames.defaultSlot(this.applicationName, !this.durable);
		if (this.url == null) {
			// StreamSettings rejects it too; checked here because its url is not @Nullable
			throw new InvalidStreamSettingException("url", null, StreamSettings.URL_RULE);
		}
		if (this.concurrency < 1) {
			throw new InvalidStreamSettingException("concurrency", this.concurrency,
					"must be at least 1 (1: one delivery thread, in commit order)");
		}
		CatalogKeyColumns keys = null;
		AsyncBatchHandler async = this.asyncHandler;
		if (this.concurrency > 1) {
			if (this.asyncHandler != null) {
				throw new InvalidStreamSettingException("concurrency", this.concurrency, "parallel dispatch runs"
						+ " handler(...)/onEvent(...) on several threads; an asyncHandler(...) has its own: use concurrency 1");
			}
			if (this.offsetStore != null) {
				throw new InvalidStreamSettingException("concurrency", this.concurrency, "an offset store (cdc.offsets.store"
						+ "=jdbc) runs each transaction's handlers in one database transaction on one thread, which"
						+ " parallel dispatch would split over several: set cdc.dispatch.concurrency=1 with"
						+ " cdc.offsets.store=jdbc, or use cdc.offsets.store=server with concurrency above 1");
			}
			if (this.handler != null || this.onEvent != null) {
				keys = new CatalogKeyColumns();
				async = new PartitionedDispatcher(this.concurrency, lanes(), keys,
						Math.max(this.queueCapacity, 4 * this.concurrency), "pgcdc-handler-" + slotName);
			}
		}
		for (AsyncBatchHandler relay : this.relays) {
			if (relay instanceof TableKeys.User user) {
				if (keys == null) {
					keys = new CatalogKeyColumns();
				}
				user.useKeys(keys);
			}
		}
		boolean pipelined = this.offsetStore == null && Relays.anyAsynchronous(this.relays);
		if (!this.relays.isEmpty() && (async != null || pipelined)) {
			AsyncBatchHandler downstream = (async != null) ? async
					: ((this.handler == null && this.onEvent == null) ? null : Relays.completing(handlers()));
			async = Relays.before(this.relays, downstream);
		}
		CompletionBridge bridge = (async != null) ? new CompletionBridge(async) : null;
		// snapshots sit between the stream and the handlers: they hold a chunk until its high watermark
		IncrementalSnapshots snapshots = new IncrementalSnapshots((bridge != null) ? bridge : handler(), this.snapshots,
				this.batchSize);
		List<StreamListener> listeners = new ArrayList<>(this.listeners);
		listeners.add(new SnapshotListener(snapshots));
		StreamSettings settings = new StreamSettings(this.url, this.username, this.password,
				(this.applicationName != null) ? this.applicationName : StreamSettings.DEFAULT_APPLICATION_NAME,
				this.tables, this.replicaIdentity, this.tableIdentities, publicationName, this.publicationMode, slotName,
				this.durable, this.batchSize, this.queueCapacity, this.statusInterval, this.startupWait,
				this.shutdownTimeout, (this.backOff != null) ? this.backOff : defaultBackOff(), listeners,
				this.startupCheck, snapshots, this.streaming, this.binary, this.types, this.taskExecutor, this.failover,
				this.heartbeatInterval, this.heartbeatActionQuery, this.onInvalidated, this.offsetStore);
		ChangeStream stream = new ChangeStream(settings, snapshots, bridge);
		if (keys != null) {
			keys.attach(stream.connections());
		}
		return stream;
	}

	/** @return a new stream, started */
	public ChangeStream start() {
		return build().start();
	}

	/** The handler of each partition: a lane of a multicaster, or else the one handler for all. */
	private Supplier<BatchHandler> lanes() {
		if (this.handler instanceof HandlerMulticaster multicaster && this.onEvent == null) {
			return multicaster::newLane;
		}
		BatchHandler shared = handlers();
		return () -> shared;
	}

	/** The synchronous path: relays (an asynchronous one waited for), then the handlers. */
	private BatchHandler handler() {
		BatchHandler handlers = (this.handler == null && this.onEvent == null) ? null : handlers();
		if (this.relays.isEmpty()) {
			Assert.state(handlers != null, "no handler");
			return handlers;
		}
		return Relays.synchronous(this.relays, handlers);
	}

	private BatchHandler handlers() {
		BatchHandler batches = this.handler;
		Consumer<ChangeEvent> events = this.onEvent;
		if (events == null) {
			Assert.state(batches != null, "no handler");
			return batches;
		}
		return (batch) -> {
			if (batches != null) {
				batches.handle(batch);
			}
			for (CdcEvent event : batch.events()) {
				if (event instanceof ChangeEvent change) {
					events.accept(change);
				}
			}
		};
	}

	/** @return the default reconnect back-off: exponential, 1s doubling to 30s, unlimited */
	static BackOff defaultBackOff() {
		ExponentialBackOff backOff = new ExponentialBackOff(StreamSettings.DEFAULT_BACK_OFF_INITIAL.toMillis(),
				StreamSettings.DEFAULT_BACK_OFF_MULTIPLIER);
		backOff.setMaxInterval(StreamSettings.DEFAULT_BACK_OFF_MAX.toMillis());
		return backOff;
	}

}
