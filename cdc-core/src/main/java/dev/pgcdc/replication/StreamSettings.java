package dev.pgcdc.replication;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import dev.pgcdc.event.TableName;
import dev.pgcdc.offsets.OffsetStore;
import dev.pgcdc.stream.BatchHandler;
import dev.pgcdc.stream.TableInfo;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.springframework.util.backoff.BackOff;

/**
 * The frozen configuration of one {@link ChangeStream}, as {@link ChangeStreamBuilder}
 * collected it: the one place that holds the defaults ({@code DEFAULT_*}) and checks the
 * values. An invalid value is an {@link InvalidStreamSettingException} naming the setting.
 *
 * @param url the JDBC URL
 * @param username the user, or {@code null} for the URL's
 * @param password the password, or {@code null}
 * @param applicationName the name shown in {@code pg_stat_activity}
 * @param tables the tables subscribed at start
 * @param replicaIdentity the replica identity for tables without their own
 * @param tableIdentities per-table replica identities
 * @param publication the publication name
 * @param publicationMode how the publication is treated
 * @param slot the replication slot name
 * @param durable whether the slot is permanent
 * @param batchSize the largest number of events in one batch
 * @param queueCapacity the number of batches queued between reader and dispatcher
 * @param statusInterval how often standby status updates are sent
 * @param startupWait how long {@code start()} waits for the first session before going on in the background
 * @param shutdownTimeout how long {@code stop()} waits for the handler in progress and the reader
 * @param backOff the reconnect back-off
 * @param listeners told about state changes
 * @param startupCheck extra checks of the subscribed tables, or {@code null}
 * @param handler receives the batches
 * @param streaming whether to ask the server to stream large in-progress transactions
 * @param binary whether to ask for binary values where every column type allows it
 * @param types decodes column values; {@code null} for one backed by the server's catalog
 * @param taskExecutor runs the reader and dispatcher loops; {@code null} for a thread each
 * @param failover whether the durable slot is created with (or altered to) {@code FAILOVER}, so a
 * promoted standby that synchronizes slots carries on from it (PostgreSQL 17+)
 * @param heartbeatInterval when no subscribed table changed for this long, a heartbeat is
 * written so the slot's confirmed position follows the server; {@code null} for none
 * @param heartbeatActionQuery a statement run as the heartbeat instead of the default logical
 * message; {@code null} for the message
 * @param onInvalidated what to do when the server has invalidated the durable slot
 * @param offsetStore keeps the handled position besides the slot, in step with the handlers'
 * work; {@code null} for the slot only
 */
public record StreamSettings(String url, @Nullable String username, @Nullable String password,
		String applicationName, List<TableName> tables, ReplicaIdentity replicaIdentity,
		Map<TableName, ReplicaIdentity> tableIdentities, String publication, PublicationMode publicationMode,
		String slot, boolean durable, int batchSize, int queueCapacity, Duration statusInterval, Duration startupWait,
		Duration shutdownTimeout, BackOff backOff, List<StreamListener> listeners,
		@Nullable Consumer<Collection<TableInfo>> startupCheck, BatchHandler handler, boolean streaming,
		boolean binary, @Nullable TypeRegistry types, @Nullable Executor taskExecutor, boolean failover,
		@Nullable Duration heartbeatInterval, @Nullable String heartbeatActionQuery,
		InvalidatedSlotPolicy onInvalidated, @Nullable OffsetStore offsetStore) {

	/** The largest number of events in one batch by default. */
	public static final int DEFAULT_BATCH_SIZE = 1024;

	static final String URL_RULE = "set it to a PostgreSQL JDBC URL (jdbc:postgresql://host:5432/database)";

	/** The number of batches queued between reader and dispatcher by default. */
	public static final int DEFAULT_QUEUE_CAPACITY = 16;

	/** The number of threads handlers run on by default: one, the delivery thread, in commit order. */
	public static final int DEFAULT_CONCURRENCY = 1;

	/** How often status updates are sent by default. */
	public static final Duration DEFAULT_STATUS_INTERVAL = Duration.ofSeconds(10);

	/** How long {@code start()} waits for the first session by default. */
	public static final Duration DEFAULT_STARTUP_WAIT = Duration.ofSeconds(30);

	/**
	 * How long {@code stop()} waits for the handler in progress by default: spring-kafka's
	 * {@code ContainerProperties.DEFAULT_SHUTDOWN_TIMEOUT}.
	 */
	public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

	/** The first reconnect delay by default. */
	public static final Duration DEFAULT_BACK_OFF_INITIAL = Duration.ofSeconds(1);

	/** The longest reconnect delay by default. */
	public static final Duration DEFAULT_BACK_OFF_MAX = Duration.ofSeconds(30);

	/** The factor applied to the reconnect delay after each attempt by default. */
	public static final double DEFAULT_BACK_OFF_MULTIPLIER = 2.0;

	/** What a stream does with a slot the server invalidated, by default: fail. */
	public static final InvalidatedSlotPolicy DEFAULT_ON_INVALIDATED = InvalidatedSlotPolicy.FAIL;

	/** The application name shown by the server when none is given. */
	public static final String DEFAULT_APPLICATION_NAME = "pgcdc";

	/**
	 * Checks every value.
	 * @throws InvalidStreamSettingException naming the first invalid setting
	 */
	public StreamSettings {
		if (url == null || !url.startsWith("jdbc:postgresql:")) {
			throw new InvalidStreamSettingException("url", url, URL_RULE);
		}
		require(batchSize > 0, "batchSize", batchSize, "must be at least 1");
		require(queueCapacity > 0, "queueCapacity", queueCapacity, "must be at least 1");
		require(positive(statusInterval), "statusInterval", statusInterval, "must be longer than zero, e.g. 10s");
		require(!startupWait.isNegative(), "startupWait", startupWait, "must not be negative, e.g. 30s");
		require(positive(shutdownTimeout), "shutdownTimeout", shutdownTimeout, "must be longer than zero, e.g. 10s");
		require(!publication.isEmpty() && publication.indexOf('\'') < 0 && publication.indexOf('\0') < 0,
				"publication", publication, "must not be empty or contain quotes");
		require(!slot.isEmpty(), "slot", slot, "must not be empty");
		require(!failover || durable, "failover", failover, "needs a durable slot: a temporary slot cannot fail over"
				+ " to a standby; set cdc.slot.durable=true (durable(true)) or cdc.slot.failover=false");
		require(heartbeatInterval == null || positive(heartbeatInterval), "heartbeatInterval", heartbeatInterval,
				"must be longer than zero, e.g. 10s, or unset for no heartbeat");
		require(heartbeatActionQuery == null || !heartbeatActionQuery.isBlank(), "heartbeatActionQuery",
				heartbeatActionQuery, "must not be blank; unset it to emit a logical message");
		require(heartbeatActionQuery == null || heartbeatInterval != null, "heartbeatActionQuery",
				heartbeatActionQuery, "runs only as a heartbeat: set cdc.heartbeat.interval (heartbeatInterval) too");
		tables = List.copyOf(tables);
		tableIdentities = Map.copyOf(tableIdentities);
		listeners = List.copyOf(listeners);
	}

	private static boolean positive(Duration duration) {
		return !duration.isNegative() && !duration.isZero();
	}

	private static void require(boolean condition, String setting, @Nullable Object value, String rule) {
		if (!condition) {
			throw new InvalidStreamSettingException(setting, value, rule);
		}
	}

	/**
	 * @param table a table
	 * @return the replica identity to apply to it
	 */
	ReplicaIdentity identityOf(TableName table) {
		return this.tableIdentities.getOrDefault(table, this.replicaIdentity);
	}

	/** @return a description of where the stream connects, without credentials */
	String describe() {
		int query = this.url.indexOf('?');
		return ((query >= 0) ? this.url.substring(0, query) : this.url)
				+ ((this.username != null) ? " as " + this.username : "");
	}

	/** Everything but the password, which must never reach a log. */
	@Override
	public String toString() {
		return "StreamSettings[" + describe() + ", slot=" + this.slot + ", durable=" + this.durable + ", publication="
				+ this.publication + ", tables=" + this.tables + "]";
	}

}
