package dev.pgcdc.replication;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.snapshot.IncrementalSnapshots;
import dev.pgcdc.snapshot.SnapshotOptions;
import dev.pgcdc.offsets.OffsetStore;
import dev.pgcdc.stream.BatchHandler;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.TableInfo;
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

	private final List<BatchHandler> observers = new ArrayList<>();

	private @Nullable Consumer<ChangeEvent> onEvent;

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
	 * Also hand every batch to an observer, before the handler, on the delivery thread (live
	 * queries route changes to their subscribers this way). An observer must return quickly
	 * and not throw: it cannot hold the stream back nor veto an acknowledgement. Batches of a
	 * transaction redelivered after a reconnect reach it again (with the same positions).
	 * @param observer sees each batch
	 * @return this
	 */
	public ChangeStreamBuilder observer(BatchHandler observer) {
		this.observers.add(observer);
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
		if (this.handler == null && this.onEvent == null) {
			throw new InvalidStreamSettingException("handler", null,
					"give the stream something to deliver to: handler(...) or onEvent(...)");
		}
		String publicationName = (this.publication != null) ? this.publication
				: StreamNames.defaultPublication(this.applicationName);
		String slotName = (this.slot != null) ? StreamNames.validSlot(this.slot)
				: StreamNames.defaultSlot(this.applicationName, !this.durable);
		if (this.url == null) {
			// StreamSettings rejects it too; checked here because its url is not @Nullable
			throw new InvalidStreamSettingException("url", null, StreamSettings.URL_RULE);
		}
		// snapshots sit between the stream and the handlers: they hold a chunk until its high watermark
		IncrementalSnapshots snapshots = new IncrementalSnapshots(handler(), this.snapshots, this.batchSize);
		List<StreamListener> listeners = new ArrayList<>(this.listeners);
		listeners.add(new SnapshotListener(snapshots));
		StreamSettings settings = new StreamSettings(this.url, this.username, this.password,
				(this.applicationName != null) ? this.applicationName : StreamSettings.DEFAULT_APPLICATION_NAME,
				this.tables, this.replicaIdentity, this.tableIdentities, publicationName, this.publicationMode, slotName,
				this.durable, this.batchSize, this.queueCapacity, this.statusInterval, this.startupWait,
				this.shutdownTimeout, (this.backOff != null) ? this.backOff : defaultBackOff(), listeners,
				this.startupCheck, snapshots, this.streaming, this.binary, this.types, this.taskExecutor, this.failover,
				this.heartbeatInterval, this.heartbeatActionQuery, this.onInvalidated, this.offsetStore);
		return new ChangeStream(settings, snapshots);
	}

	/** @return a new stream, started */
	public ChangeStream start() {
		return build().start();
	}

	private BatchHandler handler() {
		BatchHandler handler = delivery();
		if (this.observers.isEmpty()) {
			return handler;
		}
		List<BatchHandler> observers = List.copyOf(this.observers);
		return new BatchHandler() {
			@Override
			public void handle(TransactionBatch batch) throws Exception {
				for (BatchHandler observer : observers) {
					observer.handle(batch);
				}
				handler.handle(batch);
			}

			@Override
			public @Nullable String inProgress() {
				return handler.inProgress();
			}
		};
	}

	private BatchHandler delivery() {
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
