package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.live.LiveQueryOptions;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.ErrorPolicy;
import dev.pgcdc.replication.InvalidatedSlotPolicy;
import dev.pgcdc.replication.PublicationMode;
import dev.pgcdc.replication.ReplicaIdentity;
import dev.pgcdc.replication.StreamSettings;
import dev.pgcdc.snapshot.SnapshotMode;
import dev.pgcdc.snapshot.SnapshotOptions;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of pgcdc, bound to the {@code cdc} prefix.
 */
@ConfigurationProperties("cdc")
public class CdcProperties {

	/**
	 * Whether to stream changes to the annotated handlers.
	 */
	private boolean enabled = true;

	/**
	 * Whether to start streaming when the application context starts. When false, start the
	 * CdcStreamLifecycle bean yourself (for example once migrations have run).
	 */
	private boolean autoStartup = true;

	/**
	 * JDBC URL of the database to stream from, used for replication and admin SQL. Defaults
	 * to the application's JdbcConnectionDetails (@ServiceConnection, Docker Compose), else
	 * spring.datasource.url.
	 */
	private @Nullable String url;

	/**
	 * Login user (needs the REPLICATION attribute). Defaults as the URL
	 * (JdbcConnectionDetails, else spring.datasource.username).
	 */
	private @Nullable String username;

	/**
	 * Login password. Defaults as the URL (JdbcConnectionDetails, else
	 * spring.datasource.password).
	 */
	private @Nullable String password;

	/**
	 * Tables to subscribe besides those named by handlers, as "name" (schema public) or
	 * "schema.name".
	 */
	private List<String> tables = new ArrayList<>();

	/**
	 * Replica identity applied to every subscribed table: full (old rows carry every
	 * column), default (key columns only) or unchanged (leave the tables as they are).
	 */
	private ReplicaIdentity replicaIdentity = ReplicaIdentity.FULL;

	/**
	 * What happens when a handler still fails after its retries: stop (stop the stream
	 * without acknowledging the transaction) or skip (hand the events to the CdcErrorHandler
	 * bean and go on). Defaults to stop for durable slots and skip for temporary ones.
	 */
	private @Nullable ErrorPolicy errorPolicy;

	/**
	 * Largest number of events of one transaction handed to the dispatcher at once; larger
	 * transactions arrive in several chunks.
	 */
	private int batchSize = StreamSettings.DEFAULT_BATCH_SIZE;

	/**
	 * Number of batches buffered between the reader and the handlers; when full the reader
	 * stops reading, so memory stays bounded.
	 */
	private int queueCapacity = StreamSettings.DEFAULT_QUEUE_CAPACITY;

	/**
	 * How often standby status updates (acknowledgements and keep-alives) are sent.
	 */
	private Duration statusInterval = StreamSettings.DEFAULT_STATUS_INTERVAL;

	/**
	 * How long start-up waits for the replication slot and the first session before it goes
	 * on in the background. Creating a slot waits for the transactions open at that moment to
	 * end, so a session left idle in transaction cannot hold the application's start-up.
	 */
	private Duration startupWait = StreamSettings.DEFAULT_STARTUP_WAIT;

	/**
	 * How long stopping the stream waits for the handler in progress and the last
	 * acknowledgement. A handler still running then is abandoned (its transaction stays
	 * unacknowledged, so a durable slot delivers it again) and a WARN names it.
	 */
	private Duration shutdownTimeout = StreamSettings.DEFAULT_SHUTDOWN_TIMEOUT;

	/**
	 * Whether a stream that fails (a handler error under the stop policy, a configuration
	 * the server rejects, an invalidated slot) closes the application and exits the JVM with
	 * status 1, so that a supervisor restarts it. Either way the application's liveness
	 * becomes BROKEN and its exit code 1 while the stream is failed.
	 */
	private boolean exitOnFailure;

	private final Publication publication = new Publication();

	private final Slot slot = new Slot();

	private final Retry retry = new Retry();

	private final Reconnect reconnect = new Reconnect();

	private final Snapshot snapshot = new Snapshot();

	private final Heartbeat heartbeat = new Heartbeat();

	private final Offsets offsets = new Offsets();

	private final Dispatch dispatch = new Dispatch();

	private final Kafka kafka = new Kafka();

	private final Live live = new Live();

	/**
	 * Per-table settings, keyed by table name ("users", or "[sales.orders]" with a schema).
	 */
	private Map<String, Table> table = new LinkedHashMap<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public boolean isAutoStartup() {
		return this.autoStartup;
	}

	public void setAutoStartup(boolean autoStartup) {
		this.autoStartup = autoStartup;
	}

	public @Nullable String getUrl() {
		return this.url;
	}

	public void setUrl(@Nullable String url) {
		this.url = url;
	}

	public @Nullable String getUsername() {
		return this.username;
	}

	public void setUsername(@Nullable String username) {
		this.username = username;
	}

	public @Nullable String getPassword() {
		return this.password;
	}

	public void setPassword(@Nullable String password) {
		this.password = password;
	}

	public List<String> getTables() {
		return this.tables;
	}

	public void setTables(List<String> tables) {
		this.tables = tables;
	}

	public ReplicaIdentity getReplicaIdentity() {
		return this.replicaIdentity;
	}

	public void setReplicaIdentity(ReplicaIdentity replicaIdentity) {
		this.replicaIdentity = replicaIdentity;
	}

	public @Nullable ErrorPolicy getErrorPolicy() {
		return this.errorPolicy;
	}

	public void setErrorPolicy(@Nullable ErrorPolicy errorPolicy) {
		this.errorPolicy = errorPolicy;
	}

	public int getBatchSize() {
		return this.batchSize;
	}

	public void setBatchSize(int batchSize) {
		this.batchSize = batchSize;
	}

	public int getQueueCapacity() {
		return this.queueCapacity;
	}

	public void setQueueCapacity(int queueCapacity) {
		this.queueCapacity = queueCapacity;
	}

	public Duration getStatusInterval() {
		return this.statusInterval;
	}

	public void setStatusInterval(Duration statusInterval) {
		this.statusInterval = statusInterval;
	}

	public Duration getStartupWait() {
		return this.startupWait;
	}

	public boolean isExitOnFailure() {
		return this.exitOnFailure;
	}

	public void setExitOnFailure(boolean exitOnFailure) {
		this.exitOnFailure = exitOnFailure;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public void setStartupWait(Duration startupWait) {
		this.startupWait = startupWait;
	}

	public Publication getPublication() {
		return this.publication;
	}

	public Slot getSlot() {
		return this.slot;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public Reconnect getReconnect() {
		return this.reconnect;
	}

	public Snapshot getSnapshot() {
		return this.snapshot;
	}

	public Heartbeat getHeartbeat() {
		return this.heartbeat;
	}

	public Offsets getOffsets() {
		return this.offsets;
	}

	public Dispatch getDispatch() {
		return this.dispatch;
	}

	public Kafka getKafka() {
		return this.kafka;
	}

	public Live getLive() {
		return this.live;
	}

	public Map<String, Table> getTable() {
		return this.table;
	}

	public void setTable(Map<String, Table> table) {
		this.table = table;
	}

	/**
	 * The publication.
	 */
	public static class Publication {

		/**
		 * Publication name: letters, digits and underscores, at most 63, not starting with a
		 * digit. Derived from spring.application.name ("cdc_publication" without one), so two
		 * applications on one database never share one.
		 */
		private @Nullable String name;

		/**
		 * How the publication is managed: auto (created if missing and kept in step with the
		 * subscribed tables) or existing (used as it is; start-up fails if it is absent).
		 */
		private PublicationMode mode = PublicationMode.AUTO;

		public @Nullable String getName() {
			return this.name;
		}

		public void setName(@Nullable String name) {
			this.name = name;
		}

		public PublicationMode getMode() {
			return this.mode;
		}

		public void setMode(PublicationMode mode) {
			this.mode = mode;
		}

	}

	/**
	 * How handlers are called.
	 */
	public static class Dispatch {

		/**
		 * Number of threads the handlers run on. 1: every event on the stream's delivery
		 * thread, in commit order. More: events partitioned by table and primary key (tables
		 * without one: by table), so each row's changes stay in commit order while unrelated
		 * rows run in parallel; a transaction is acknowledged once all its events and those of
		 * every earlier transaction are done. List<ChangeEvent> handlers then receive
		 * per-partition lists. Not with cdc.offsets.store=jdbc.
		 */
		private int concurrency = StreamSettings.DEFAULT_CONCURRENCY;

		public int getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(int concurrency) {
			this.concurrency = concurrency;
		}

	}

	/**
	 * Where the stream's handled position is kept.
	 */
	public static class Offsets {

		/**
		 * Where the handled position is kept: server (the replication slot's confirmed
		 * position only: at-least-once, handlers must be idempotent) or jdbc (also in a table
		 * of the application's DataSource, updated in one Spring transaction with each
		 * transaction's handlers, so their effects on that database happen exactly once).
		 */
		private Store store = Store.SERVER;

		/**
		 * Table of the application's database holding the position of each stream (one row
		 * per slot name) when the store is jdbc: "name" (the connection's search_path) or
		 * "schema.name"; created if missing.
		 */
		private String table = "pgcdc_offsets";

		public Store getStore() {
			return this.store;
		}

		public void setStore(Store store) {
			this.store = store;
		}

		public String getTable() {
			return this.table;
		}

		public void setTable(String table) {
			this.table = table;
		}

		/**
		 * Where the handled position is kept.
		 */
		public enum Store {

			/**
			 * The replication slot's confirmed position only (at-least-once).
			 */
			SERVER,

			/**
			 * Also a table of the application's DataSource, in the handlers' transaction
			 * (exactly-once effects on that database).
			 */
			JDBC

		}

	}

	/**
	 * The replication slot.
	 */
	public static class Slot {

		/**
		 * Replication slot name. Derived from spring.application.name ("cdc_slot" without
		 * one); a temporary slot with a derived name gets a per-instance suffix so replicas
		 * never collide.
		 */
		private @Nullable String name;

		/**
		 * Whether the slot is permanent: at-least-once delivery across restarts, but the
		 * server keeps WAL while the application is down. A temporary slot keeps nothing:
		 * changes made while the application is down are not delivered.
		 */
		private boolean durable;

		/**
		 * Whether the durable slot is a failover slot (PostgreSQL 17+), so a promoted standby
		 * that synchronizes slots (sync_replication_slots) carries on from it. An existing slot
		 * is altered to match at start-up. Needs cdc.slot.durable=true.
		 */
		private boolean failover;

		/**
		 * What to do when the server has invalidated the durable slot (it fell further behind
		 * than max_slot_wal_keep_size allows): fail (the stream goes FAILED, naming the cause
		 * and the fix) or recreate (drop it and stream on from a new slot; the changes in
		 * between are lost, with a WARN saying so).
		 */
		private InvalidatedSlotPolicy onInvalidated = StreamSettings.DEFAULT_ON_INVALIDATED;

		public @Nullable String getName() {
			return this.name;
		}

		public void setName(@Nullable String name) {
			this.name = name;
		}

		public boolean isDurable() {
			return this.durable;
		}

		public void setDurable(boolean durable) {
			this.durable = durable;
		}

		public boolean isFailover() {
			return this.failover;
		}

		public void setFailover(boolean failover) {
			this.failover = failover;
		}

		public InvalidatedSlotPolicy getOnInvalidated() {
			return this.onInvalidated;
		}

		public void setOnInvalidated(InvalidatedSlotPolicy onInvalidated) {
			this.onInvalidated = onInvalidated;
		}

	}

	/**
	 * Retries of a failing handler, before the error policy decides.
	 */
	public static class Retry {

		/**
		 * Number of retries after a handler's first failure; 0 for none.
		 */
		private int maxRetries = HandlerMulticaster.DEFAULT_MAX_RETRIES;

		/**
		 * Delay before the first retry.
		 */
		private Duration delay = HandlerMulticaster.DEFAULT_RETRY_DELAY;

		/**
		 * Factor applied to the delay after each retry.
		 */
		private double multiplier = HandlerMulticaster.DEFAULT_RETRY_MULTIPLIER;

		/**
		 * Longest delay between two retries.
		 */
		private Duration maxDelay = HandlerMulticaster.DEFAULT_RETRY_MAX_DELAY;

		public int getMaxRetries() {
			return this.maxRetries;
		}

		public void setMaxRetries(int maxRetries) {
			this.maxRetries = maxRetries;
		}

		public Duration getDelay() {
			return this.delay;
		}

		public void setDelay(Duration delay) {
			this.delay = delay;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public Duration getMaxDelay() {
			return this.maxDelay;
		}

		public void setMaxDelay(Duration maxDelay) {
			this.maxDelay = maxDelay;
		}

	}

	/**
	 * Reconnects after the connection is lost (or while the server is unreachable).
	 */
	public static class Reconnect {

		/**
		 * Delay before the first reconnect attempt.
		 */
		private Duration initialInterval = StreamSettings.DEFAULT_BACK_OFF_INITIAL;

		/**
		 * Factor applied to the delay after each failed attempt.
		 */
		private double multiplier = StreamSettings.DEFAULT_BACK_OFF_MULTIPLIER;

		/**
		 * Longest delay between two attempts; attempts never stop.
		 */
		private Duration maxInterval = StreamSettings.DEFAULT_BACK_OFF_MAX;

		public Duration getInitialInterval() {
			return this.initialInterval;
		}

		public void setInitialInterval(Duration initialInterval) {
			this.initialInterval = initialInterval;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public Duration getMaxInterval() {
			return this.maxInterval;
		}

		public void setMaxInterval(Duration maxInterval) {
			this.maxInterval = maxInterval;
		}

	}

	/**
	 * Snapshots: the rows that exist, read in primary-key order between the stream's
	 * transactions and delivered as SNAPSHOT events.
	 */
	public static class Snapshot {

		/**
		 * When the stream snapshots its tables by itself: never (on demand only), initial
		 * (when pgcdc creates the slot), or when-needed (also whenever the slot had to be
		 * created anew: a temporary slot at every start and reconnect).
		 */
		private SnapshotMode mode = SnapshotMode.NEVER;

		/**
		 * Rows read per chunk: one keyset query between two watermarks; at most one chunk per
		 * reader and two more are held in memory.
		 */
		private int chunkSize = SnapshotOptions.DEFAULT_CHUNK_SIZE;

		/**
		 * Connections reading a table's chunks at once (1 to 16), each chunk between its own
		 * watermarks and delivered in key order; 1 reads one chunk after the other, on one
		 * server backend.
		 */
		private int readers = SnapshotOptions.DEFAULT_READERS;

		/**
		 * Table in which a durable slot's snapshots keep their progress (created if missing),
		 * so that a restart resumes after the last delivered chunk.
		 */
		private String progressTable = SnapshotOptions.DEFAULT_PROGRESS_TABLE;

		public SnapshotMode getMode() {
			return this.mode;
		}

		public void setMode(SnapshotMode mode) {
			this.mode = mode;
		}

		public int getChunkSize() {
			return this.chunkSize;
		}

		public void setChunkSize(int chunkSize) {
			this.chunkSize = chunkSize;
		}

		public int getReaders() {
			return this.readers;
		}

		public void setReaders(int readers) {
			this.readers = readers;
		}

		public String getProgressTable() {
			return this.progressTable;
		}

		public void setProgressTable(String progressTable) {
			this.progressTable = progressTable;
		}

	}

	/**
	 * Heartbeats, so the slot's confirmed position follows the server while the subscribed
	 * tables are idle.
	 */
	public static class Heartbeat {

		/**
		 * When no subscribed table changed for this long, write a heartbeat: an empty logical
		 * message with prefix pgcdc.heartbeat, acknowledged and never delivered to handlers.
		 * Unset (the default): no heartbeat.
		 */
		private @Nullable Duration interval;

		/**
		 * Statement to run as the heartbeat instead of the logical message (as Debezium's
		 * heartbeat.action.query), for example an update of a heartbeat table. Needs
		 * cdc.heartbeat.interval.
		 */
		private @Nullable String actionQuery;

		public @Nullable Duration getInterval() {
			return this.interval;
		}

		public void setInterval(@Nullable Duration interval) {
			this.interval = interval;
		}

		public @Nullable String getActionQuery() {
			return this.actionQuery;
		}

		public void setActionQuery(@Nullable String actionQuery) {
			this.actionQuery = actionQuery;
		}

	}

	/**
	 * The relay to Kafka (module cdc-kafka, through the application's KafkaTemplate).
	 */
	public static class Kafka {

		/**
		 * Whether to publish every change of the subscribed tables to Kafka. A transaction is
		 * acknowledged to PostgreSQL only after the broker acknowledged all its records.
		 */
		private boolean enabled;

		/**
		 * Topic of each table: {schema} and {table} are replaced. Default:
		 * ${spring.application.name}.{schema}.{table} (cdc.{schema}.{table} without an application
		 * name).
		 */
		private @Nullable String topic;

		/**
		 * Record format: json (the ChangeEvent as JSON) or debezium (Debezium's envelope: before,
		 * after, source, op, ts_ms).
		 */
		private Format format = Format.JSON;

		/**
		 * Topic for the messages written with pg_logical_emit_message (an outbox). Unset (the
		 * default): messages are not relayed.
		 */
		private @Nullable String messagesTopic;

		/**
		 * How many relayed records may wait for the broker's acknowledgement at once: more lets
		 * more transactions overlap on a slow link; after an outage at most this many are sent
		 * again.
		 */
		private int maxInFlight = 10_000;

		public int getMaxInFlight() {
			return this.maxInFlight;
		}

		public void setMaxInFlight(int maxInFlight) {
			this.maxInFlight = maxInFlight;
		}

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable String getTopic() {
			return this.topic;
		}

		public void setTopic(@Nullable String topic) {
			this.topic = topic;
		}

		public Format getFormat() {
			return this.format;
		}

		public void setFormat(Format format) {
			this.format = format;
		}

		public @Nullable String getMessagesTopic() {
			return this.messagesTopic;
		}

		public void setMessagesTopic(@Nullable String messagesTopic) {
			this.messagesTopic = messagesTopic;
		}

		/** The record formats of {@code cdc.kafka.format}. */
		public enum Format {

			/** The ChangeEvent as JSON. */
			JSON,

			/** Debezium's PostgreSQL connector envelope, as its JsonConverter writes it without schemas. */
			DEBEZIUM

		}

	}

	/**
	 * Settings of one table.
	 */
	public static class Table {

		/**
		 * Replica identity of this table: full, default or unchanged. Defaults to
		 * cdc.replica-identity.
		 */
		private @Nullable ReplicaIdentity replicaIdentity;

		/**
		 * Columns whose changes alone do not interest any handler of this table: an UPDATE
		 * that changed only these columns is skipped.
		 */
		private List<String> unwatchedFields = new ArrayList<>();

		/**
		 * Records no handler of this table sees, each "column = literal", "column !=
		 * literal", "column is null" or "column is not null" (new row, old row for DELETE).
		 */
		private List<String> unwatchedRecords = new ArrayList<>();

		/**
		 * Whether this table takes part in the initial snapshot (cdc.snapshot.mode initial or
		 * when-needed). An on-demand snapshot is not affected.
		 */
		private boolean snapshot = true;

		public boolean isSnapshot() {
			return this.snapshot;
		}

		public void setSnapshot(boolean snapshot) {
			this.snapshot = snapshot;
		}

		public @Nullable ReplicaIdentity getReplicaIdentity() {
			return this.replicaIdentity;
		}

		public void setReplicaIdentity(@Nullable ReplicaIdentity replicaIdentity) {
			this.replicaIdentity = replicaIdentity;
		}

		public List<String> getUnwatchedFields() {
			return this.unwatchedFields;
		}

		public void setUnwatchedFields(List<String> unwatchedFields) {
			this.unwatchedFields = unwatchedFields;
		}

		public List<String> getUnwatchedRecords() {
			return this.unwatchedRecords;
		}

		public void setUnwatchedRecords(List<String> unwatchedRecords) {
			this.unwatchedRecords = unwatchedRecords;
		}

	}

	/**
	 * Live queries (LiveQueries bean): their buffers, delivery threads and SSE clients.
	 */
	public static class Live {

		/**
		 * Changes that may wait for one live query's listener; one more resets that query (a
		 * new snapshot) instead of slowing the stream or the other queries.
		 */
		private int bufferSize = LiveQueryOptions.DEFAULT_BUFFER_SIZE;

		/**
		 * Threads delivering snapshots and changes to live query listeners (each query's calls
		 * run one at a time, in order).
		 */
		private int threads = LiveQueryOptions.DEFAULT_THREADS;

		private final Sse sse = new Sse();

		public int getBufferSize() {
			return this.bufferSize;
		}

		public void setBufferSize(int bufferSize) {
			this.bufferSize = bufferSize;
		}

		public int getThreads() {
			return this.threads;
		}

		public void setThreads(int threads) {
			this.threads = threads;
		}

		public Sse getSse() {
			return this.sse;
		}

		/**
		 * Server-Sent Events clients of LiveQueries.sse and LiveQueries.flux.
		 */
		public static class Sse {

			/**
			 * How long a disconnected client's live query is kept, so that a browser reconnecting
			 * with Last-Event-ID resumes without a new snapshot; 0 releases it at once.
			 */
			private Duration retention = LiveQueryOptions.DEFAULT_SSE_RETENTION;

			/**
			 * Events kept per client for such a resume; a client further behind gets a reset
			 * and a new snapshot.
			 */
			private int retainedEvents = LiveQueryOptions.DEFAULT_SSE_RETAINED_EVENTS;

			/**
			 * How long one SSE response stays open before the browser is asked to reconnect
			 * (and resumes).
			 */
			private Duration timeout = LiveQueryOptions.DEFAULT_SSE_TIMEOUT;

			/**
			 * How often an idle SSE connection gets a comment line, so that a client that went
			 * away is noticed and released.
			 */
			private Duration heartbeat = LiveQueryOptions.DEFAULT_SSE_HEARTBEAT;

			public Duration getRetention() {
				return this.retention;
			}

			public void setRetention(Duration retention) {
				this.retention = retention;
			}

			public int getRetainedEvents() {
				return this.retainedEvents;
			}

			public void setRetainedEvents(int retainedEvents) {
				this.retainedEvents = retainedEvents;
			}

			public Duration getTimeout() {
				return this.timeout;
			}

			public void setTimeout(Duration timeout) {
				this.timeout = timeout;
			}

			public Duration getHeartbeat() {
				return this.heartbeat;
			}

			public void setHeartbeat(Duration heartbeat) {
				this.heartbeat = heartbeat;
			}

		}

	}

}
