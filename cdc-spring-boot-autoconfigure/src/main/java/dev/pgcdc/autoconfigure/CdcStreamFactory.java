package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.TableName;
import dev.pgcdc.offsets.OffsetStore;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.ChangeStreamBuilder;
import dev.pgcdc.replication.InvalidStreamSettingException;
import dev.pgcdc.replication.ReplicaIdentity;
import dev.pgcdc.replication.StreamListener;
import dev.pgcdc.replication.StreamNames;
import dev.pgcdc.snapshot.SnapshotOptions;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Turns {@link CdcProperties} into a {@link ChangeStream}. Every property is checked when
 * this is created (at bean creation, without connecting), each problem reported as an
 * {@link InvalidConfigurationPropertyValueException} naming the property and the fix.
 */
final class CdcStreamFactory {

	// a plain identifier: the name is passed quoted in publication_names, inside a single-quoted option value
	private static final Pattern PUBLICATION_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

	private final CdcProperties properties;

	private final HandlerRegistry registry;

	private final HandlerMulticaster dispatcher;

	private final List<CdcStreamCustomizer> customizers;

	private final Connection connection;

	private final String publication;

	private final @Nullable String slot;

	private final @Nullable String applicationName;

	private final Set<TableName> tables;

	private final Map<TableName, ReplicaIdentity> replicaIdentities;

	private final SnapshotOptions snapshots;

	private final @Nullable OffsetStore offsetStore;

	/** Attached by other auto-configurations (live queries); not counted as work of their own. */
	private final List<Consumer<ChangeStreamBuilder>> attachments = new CopyOnWriteArrayList<>();

	CdcStreamFactory(CdcProperties properties, Environment environment, @Nullable Details connectionDetails,
			HandlerRegistry registry, HandlerMulticaster dispatcher, List<CdcStreamCustomizer> customizers,
			@Nullable OffsetStore offsetStore) {
		this.properties = properties;
		this.registry = registry;
		this.dispatcher = dispatcher;
		this.customizers = customizers;
		this.offsetStore = offsetStore;
		this.connection = connection(properties, environment, connectionDetails);
		this.applicationName = environment.getProperty("spring.application.name");
		this.publication = publicationName(properties.getPublication().getName(), this.applicationName);
		this.slot = slotName(properties.getSlot().getName());
		this.tables = tables(properties.getTables());
		this.replicaIdentities = replicaIdentities(properties.getTable());
		this.snapshots = snapshots(properties);
		checkPositive("cdc.reconnect.initial-interval", properties.getReconnect().getInitialInterval());
		checkMultiplier("cdc.reconnect.multiplier", properties.getReconnect().getMultiplier());
		checkNotBelow("cdc.reconnect.max-interval", properties.getReconnect().getMaxInterval(),
				"cdc.reconnect.initial-interval", properties.getReconnect().getInitialInterval());
		// the core checks every stream setting (one set of rules); building touches no server
		build(builder(this.tables).handler((batch) -> {
		}));
	}

	/** The property behind each {@link StreamSettings} value the core checks. */
	private static final Map<String, String> PROPERTIES = Map.ofEntries(Map.entry("url", "cdc.url"),
			Map.entry("batchSize", "cdc.batch-size"), Map.entry("queueCapacity", "cdc.queue-capacity"),
			Map.entry("statusInterval", "cdc.status-interval"), Map.entry("startupWait", "cdc.startup-wait"),
			Map.entry("shutdownTimeout", "cdc.shutdown-timeout"), Map.entry("publication", "cdc.publication.name"),
			Map.entry("slot", "cdc.slot.name"), Map.entry("failover", "cdc.slot.failover"),
			Map.entry("heartbeatInterval", "cdc.heartbeat.interval"),
			Map.entry("heartbeatActionQuery", "cdc.heartbeat.action-query"),
			Map.entry("concurrency", "cdc.dispatch.concurrency"));

	private static ChangeStream build(ChangeStreamBuilder builder) {
		try {
			return builder.build();
		}
		catch (InvalidStreamSettingException ex) {
			String property = PROPERTIES.get(ex.setting());
			if (property == null) {
				throw ex;
			}
			throw new InvalidConfigurationPropertyValueException(property, ex.value(), ex.rule());
		}
	}

	/** The connection settings and which property gave the URL. */
	record Connection(String url, @Nullable String username, @Nullable String password, String urlProperty) {

		@Override
		public String toString() {
			return "Connection[url=" + this.url + ", username=" + this.username + "]";
		}

	}

	/**
	 * The database of the application's {@code JdbcConnectionDetails} bean
	 * ({@code @ServiceConnection}, Docker Compose...).
	 */
	record Details(String url, @Nullable String username, @Nullable String password) {

		@Override
		public String toString() {
			return "Details[url=" + this.url + ", username=" + this.username + "]";
		}

	}

	/**
	 * The connection settings, each from the first that has it: {@code cdc.*}, the
	 * application's {@code JdbcConnectionDetails}, {@code spring.datasource.*}.
	 */
	static Connection connection(CdcProperties properties, Environment environment, @Nullable Details details) {
		String url = properties.getUrl();
		String urlProperty = "cdc.url";
		String urlSource = "cdc.url";
		if (!StringUtils.hasText(url) && details != null) {
			url = details.url();
			urlSource = "the application's JdbcConnectionDetails (@ServiceConnection, Docker Compose...)";
		}
		else if (!StringUtils.hasText(url)) {
			url = environment.getProperty("spring.datasource.url");
			urlProperty = "spring.datasource.url";
			urlSource = urlProperty;
		}
		if (!StringUtils.hasText(url)) {
			throw new InvalidConfigurationPropertyValueException("cdc.url", null,
					"pgcdc needs a database: set spring.datasource.url (shared with the application) or cdc.url to a"
							+ " jdbc:postgresql:// URL, or define a JdbcConnectionDetails bean (@ServiceConnection)");
		}
		if (!url.startsWith("jdbc:postgresql:")) {
			throw new InvalidConfigurationPropertyValueException(urlProperty, url, "pgcdc streams from PostgreSQL only, but "
					+ urlSource + " is not a jdbc:postgresql:// URL: set cdc.url to one");
		}
		String username = properties.getUsername();
		if (!StringUtils.hasText(username)) {
			username = (details != null) ? details.username() : environment.getProperty("spring.datasource.username");
		}
		String password = properties.getPassword();
		if (password == null) {
			password = (details != null) ? details.password() : environment.getProperty("spring.datasource.password");
		}
		return new Connection(url, username, password, urlProperty);
	}

	/**
	 * The publication name: as configured, else derived from the application name.
	 */
	static String publicationName(@Nullable String configured, @Nullable String applicationName) {
		if (configured != null) {
			if (!PUBLICATION_NAME.matcher(configured).matches()) {
				throw new InvalidConfigurationPropertyValueException("cdc.publication.name", configured,
						"use 1 to 63 letters, digits and underscores, starting with a letter or underscore"
								+ " (for example orders_publication)");
			}
			return configured;
		}
		return StreamNames.defaultPublication(applicationName);
	}

	/**
	 * The slot name as configured; {@code null} lets the stream derive
	 * {@code <application>_slot} (with a per-instance suffix when temporary).
	 */
	static @Nullable String slotName(@Nullable String configured) {
		if (configured != null && !StreamNames.isValidSlot(configured)) {
			throw new InvalidConfigurationPropertyValueException("cdc.slot.name", configured,
					"PostgreSQL slot names use lower-case letters, digits and underscores only, at most 63");
		}
		return configured;
	}

	private static Set<TableName> tables(List<String> configured) {
		Set<TableName> tables = new LinkedHashSet<>();
		for (int i = 0; i < configured.size(); i++) {
			String table = configured.get(i);
			tables.add(parseTable("cdc.tables[" + i + "]", table));
		}
		return tables;
	}

	private static TableName parseTable(String property, String text) {
		try {
			return TableName.parse(text);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidConfigurationPropertyValueException(property, text, ex.getMessage());
		}
	}

	private static Map<TableName, ReplicaIdentity> replicaIdentities(Map<String, CdcProperties.Table> tables) {
		Map<TableName, ReplicaIdentity> identities = new LinkedHashMap<>();
		tables.forEach((name, table) -> {
			TableName parsed = parseTable("cdc.table." + name, name);
			if (table.getReplicaIdentity() != null) {
				identities.put(parsed, table.getReplicaIdentity());
			}
		});
		return identities;
	}

	private static SnapshotOptions snapshots(CdcProperties properties) {
		CdcProperties.Snapshot snapshot = properties.getSnapshot();
		checkPositive("cdc.snapshot.chunk-size", snapshot.getChunkSize());
		if (snapshot.getReaders() < 1 || snapshot.getReaders() > SnapshotOptions.MAX_READERS) {
			throw new InvalidConfigurationPropertyValueException("cdc.snapshot.readers", snapshot.getReaders(),
					"use 1 to " + SnapshotOptions.MAX_READERS + " (connections reading a snapshot's chunks at once;"
							+ " 1 reads them one after the other)");
		}
		if (!snapshot.getProgressTable().matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
			throw new InvalidConfigurationPropertyValueException("cdc.snapshot.progress-table", snapshot.getProgressTable(),
					"use 1 to 63 letters, digits and underscores, starting with a letter or underscore");
		}
		Set<TableName> excluded = new LinkedHashSet<>();
		properties.getTable().forEach((name, table) -> {
			if (!table.isSnapshot()) {
				excluded.add(parseTable("cdc.table." + name, name));
			}
		});
		return new SnapshotOptions(snapshot.getMode(), snapshot.getChunkSize(), (table) -> !excluded.contains(table),
				snapshot.getProgressTable(), snapshot.getReaders());
	}

	static void checkPositive(String property, int value) {
		if (value < 1) {
			throw new InvalidConfigurationPropertyValueException(property, value, "must be at least 1");
		}
	}

	static void checkPositive(String property, Duration value) {
		if (value.isNegative() || value.isZero()) {
			throw new InvalidConfigurationPropertyValueException(property, value, "must be longer than zero, e.g. 1s");
		}
	}

	static void checkMultiplier(String property, double value) {
		if (!(value >= 1.0) || Double.isInfinite(value)) {
			throw new InvalidConfigurationPropertyValueException(property, value, "must be at least 1.0");
		}
	}

	static void checkNotBelow(String property, Duration value, String lowerProperty, Duration lower) {
		if (value.compareTo(lower) < 0) {
			throw new InvalidConfigurationPropertyValueException(property, value,
					"must not be shorter than " + lowerProperty + " (" + lower + ")");
		}
	}

	/**
	 * Have something attached to every stream this creates (live queries route its batches).
	 * @param attachment applied to the builder before the customizers
	 */
	void attach(Consumer<ChangeStreamBuilder> attachment) {
		this.attachments.add(attachment);
	}

	/** @return the connection settings */
	Connection connection() {
		return this.connection;
	}

	/** @return the publication name */
	String publication() {
		return this.publication;
	}

	/** @return the configured slot name, {@code null} when the stream derives it */
	@Nullable String slot() {
		return this.slot;
	}

	/**
	 * Whether there is anything to stream: handlers, {@code cdc.tables} or customizers
	 * (which may add a consumer of their own).
	 * @return {@code false} if starting a stream would only hold a slot
	 */
	boolean hasWork() {
		return !this.registry.handlers().isEmpty() || !this.tables.isEmpty() || !this.customizers.isEmpty();
	}

	/**
	 * Build the stream, subscribing the tables named by handlers and {@code cdc.tables}.
	 * @param listener told about state changes
	 * @return the stream, not started
	 */
	ChangeStream create(StreamListener listener) {
		Set<TableName> tables = new LinkedHashSet<>(this.registry.tables());
		tables.addAll(this.tables);
		ChangeStreamBuilder builder = builder(tables).listener(listener)
			.startupCheck(this.registry::validate)
			.handler(this.dispatcher);
		this.attachments.forEach((attachment) -> attachment.accept(builder));
		this.customizers.forEach((customizer) -> customizer.customize(builder));
		return build(builder);
	}

	private ChangeStreamBuilder builder(Set<TableName> tables) {
		CdcProperties.Reconnect reconnect = this.properties.getReconnect();
		ExponentialBackOff backOff = new ExponentialBackOff(reconnect.getInitialInterval().toMillis(),
				reconnect.getMultiplier());
		backOff.setMaxInterval(reconnect.getMaxInterval().toMillis());
		ChangeStreamBuilder builder = ChangeStream.builder()
			.url(this.connection.url())
			.username(this.connection.username())
			.password(this.connection.password())
			.tables(tables)
			.replicaIdentity(this.properties.getReplicaIdentity())
			.publication(this.publication)
			.publicationMode(this.properties.getPublication().getMode())
			.applicationName(this.applicationName)
			.durable(this.properties.getSlot().isDurable())
			.batchSize(this.properties.getBatchSize())
			.queueCapacity(this.properties.getQueueCapacity())
			.statusInterval(this.properties.getStatusInterval())
			.startupWait(this.properties.getStartupWait())
			.shutdownTimeout(this.properties.getShutdownTimeout())
			.snapshots(this.snapshots)
			.failover(this.properties.getSlot().isFailover())
			.onInvalidatedSlot(this.properties.getSlot().getOnInvalidated())
			.heartbeatInterval(this.properties.getHeartbeat().getInterval())
			.heartbeatActionQuery(this.properties.getHeartbeat().getActionQuery())
			.concurrency(this.properties.getDispatch().getConcurrency())
			.backOff(backOff);
		if (this.slot != null) {
			builder.slot(this.slot);
		}
		if (this.offsetStore != null) {
			builder.offsetStore(this.offsetStore);
		}
		this.replicaIdentities.forEach(builder::replicaIdentity);
		return builder;
	}

}
