package dev.pgcdc.replication;

import dev.pgcdc.stream.BatchHandler;
import dev.pgcdc.stream.TableInfo;
import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TableName;
import dev.pgcdc.types.JdbcTypeCatalog;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.Assert;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * A running logical replication consumer: the plain Java entry point, usable without Spring.
 * <pre>{@code
 * try (ChangeStream stream = ChangeStream.builder()
 *         .url("jdbc:postgresql://localhost/app").username("app").password("secret")
 *         .tables("users", "todos")
 *         .onEvent(event -> System.out.println(event.operation() + " " + event.newRecord()))
 *         .start()) {
 *     ...   // events arrive on the stream's dispatcher thread until the stream is closed
 * }
 * }</pre>
 * <p>
 * {@link #start()} checks the server, the tables, publication and replica identity and fails
 * with a {@link CdcConfigurationException} for anything retrying cannot fix. It then streams
 * on two threads of its own: a reader that receives and decodes, and a dispatcher that hands
 * batches to the handler in commit order and acknowledges each transaction after its handling
 * returned. A lost connection is retried with back-off ({@link StreamState#RECONNECTING}); a
 * durable slot held by another consumer puts this one in {@link StreamState#STANDBY} until it
 * frees. With a temporary slot (the default) changes made while no connection exists are not
 * delivered; with a durable slot every committed change is delivered at least once.
 */
public final class ChangeStream implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(ChangeStream.class);

	/** How long {@link #start()} waits for the first session by default. */
	public static final Duration DEFAULT_STARTUP_WAIT = Duration.ofSeconds(30);

	/** How long a stopping stream lets its woken reader send its last acknowledgement. */
	private static final long READER_WAKE_UP_MILLIS = 5000;

	private final StreamSettings settings;

	private final Set<TableName> tables;

	private final StreamStatistics statistics = new StreamStatistics();

	private final StateTracker state;

	private final Object lifecycle = new Object();

	private final TypeRegistry types;

	private final StartupSequence startup;

	private final LagProbe lag;

	private volatile @Nullable Running running;

	private ChangeStream(StreamSettings settings) {
		this.settings = settings;
		this.tables = new ConcurrentSkipListSet<>(settings.tables());
		this.state = new StateTracker(settings.slot(), settings.listeners());
		ConnectionFactory connections = new ConnectionFactory(settings);
		// enums, domains, extension types and arrays of them are looked up once in pg_type
		this.types = (settings.types() != null) ? settings.types()
				: new TypeRegistry(new JdbcTypeCatalog(connections::adminForCatalog));
		this.startup = new StartupSequence(settings, connections);
		this.lag = new LagProbe(connections, Clock.systemUTC());
	}

	/** @return a new builder */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Prepare (server checks, tables, publication, replica identity) and start streaming on a
	 * thread of its own. Configuration errors are thrown here; an unreachable server is not an
	 * error: the stream retries in the background with back-off. Starting a started stream
	 * does nothing.
	 * @return this stream
	 * @throws CdcConfigurationException for a problem retrying cannot fix
	 */
	public ChangeStream start() {
		synchronized (this.lifecycle) {
			if (this.running != null) {
				return this;
			}
			this.state.change(StreamState.STARTING, this.settings.describe(), null);
			StreamRunner runner = new StreamRunner(this.settings, () -> List.copyOf(this.tables), this.types,
					this.statistics, this.state);
			HandoffQueue dispatcher = new HandoffQueue(this.settings.queueCapacity(), this.settings.handler(), runner.ack(),
					this.statistics, runner::serverPosition,
					Math.max(1, Math.min(1000, this.settings.statusInterval().toMillis())), runner::handlerFailed);
			runner.dispatcher(dispatcher);
			// creating a slot waits until every transaction open at that moment has ended, so one
			// session idle in transaction could hold start() for ever: wait a bounded time for it
			FutureTask<Void> first = new FutureTask<>(runner::startFirst, null);
			Thread opener = new Thread(first, "pgcdc-start-" + this.settings.slot());
			opener.setDaemon(true);
			opener.start();
			runner.firstAttempt(first);
			try {
				first.get(this.settings.startupWait().toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (ExecutionException ex) {
				RuntimeException cause = (ex.getCause() instanceof RuntimeException runtime) ? runtime
						: new IllegalStateException(ex.getCause());
				this.statistics.error(cause);
				this.state.change(StreamState.FAILED, cause.getMessage(), cause);
				throw cause;
			}
			catch (TimeoutException ex) {
				logger.warn("Change stream on slot {} is not streaming yet after {}: creating a replication slot waits"
						+ " for the transactions open at that moment to end (look for 'idle in transaction' in"
						+ " pg_stat_activity); it goes on in the background", this.settings.slot(),
						this.settings.startupWait());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				runner.requestStop();
				throw new IllegalStateException("Interrupted while starting the change stream", ex);
			}
			Thread dispatcherThread = new Thread(dispatcher, "pgcdc-dispatch-" + this.settings.slot());
			Thread readerThread = new Thread(runner, "pgcdc-read-" + this.settings.slot());
			this.running = new Running(runner, dispatcher, dispatcherThread, readerThread);
			dispatcherThread.start();
			readerThread.start();
			return this;
		}
	}

	/**
	 * Stop streaming and wait until the reader and dispatcher threads have ended. The batch
	 * being handled completes; queued batches are dropped unacknowledged. A temporary slot
	 * disappears with the connection; a durable slot keeps its position. Stopping a stopped
	 * stream does nothing.
	 */
	public void stop() {
		Running current;
		synchronized (this.lifecycle) {
			current = this.running;
			if (current == null) {
				return;
			}
			this.running = null;
		}
		current.runner().requestStop();
		current.dispatcher().stop();
		join(current.dispatcherThread(), 0);
		// let the reader send its last acknowledgement itself; close its connection if it cannot
		if (!current.runner().wakeReader() || !join(current.readerThread(), READER_WAKE_UP_MILLIS)) {
			current.runner().abortSession();
			current.readerThread().interrupt();
			join(current.readerThread(), 0);
		}
		this.state.change(StreamState.STOPPED, null, null);
		// after STOPPED: lag() no longer measures, so nothing opens the probe's connection again
		this.lag.close();
	}

	/**
	 * Stop streaming asynchronously.
	 * @param callback run once both threads have ended
	 */
	public void stop(Runnable callback) {
		Thread stopper = new Thread(() -> {
			try {
				stop();
			}
			finally {
				callback.run();
			}
		}, "pgcdc-stop-" + this.settings.slot());
		stopper.start();
	}

	/**
	 * @param thread a thread to wait for
	 * @param millis how long at most ({@code 0}: until it ends)
	 * @return whether it ended (or is the calling thread, which ends after returning)
	 */
	private static boolean join(Thread thread, long millis) {
		if (thread == Thread.currentThread()) {
			// stop() called from a handler or listener: the thread ends once that returns
			return true;
		}
		boolean interrupted = false;
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
		while (thread.isAlive()) {
			long left = (millis == 0) ? 0 : TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
			if (millis != 0 && left <= 0) {
				break;
			}
			try {
				thread.join(left);
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
		return !thread.isAlive();
	}

	@Override
	public void close() {
		stop();
	}

	/** @return whether the stream was started and not stopped (also while FAILED, until stopped) */
	public boolean isRunning() {
		return this.running != null;
	}

	/** @return the current state */
	public StreamState state() {
		return this.state.get();
	}

	/** @return a snapshot of the stream */
	public StreamStatus status() {
		Running current = this.running;
		LogSequenceNumber flushed = LogSequenceNumber.INVALID_LSN;
		if (current != null) {
			flushed = current.runner().ack().flushed();
			// keepalives move the server position too, not only data
			this.statistics.received(current.runner().serverPosition());
		}
		return this.statistics.snapshot(this.state.get(), this.settings, flushed);
	}

	/**
	 * How far the stream is behind the server. While connected, asks the server for its
	 * current WAL position on a short-lived plain connection (answers are reused for a
	 * second); otherwise the byte lag is unknown.
	 * @return the lag
	 */
	public StreamLag lag() {
		return this.lag.measure(status());
	}

	/** @return whether the current session receives binary values (for tests) */
	boolean binaryInUse() {
		Running current = this.running;
		return current != null && current.runner().binaryInUse();
	}

	/** @return the subscribed tables */
	public Set<TableName> tables() {
		return Set.copyOf(this.tables);
	}

	/** @return the replication slot name */
	public String slot() {
		return this.settings.slot();
	}

	/** @return the publication name */
	public String publication() {
		return this.settings.publication();
	}

	/**
	 * Add a table to the publication (applying its replica identity) while streaming. Its
	 * changes arrive from the next transaction on.
	 * @param table the table
	 * @return the table as found in the catalog
	 * @throws CdcConfigurationException if the table does not exist or cannot be published
	 */
	public TableInfo addTable(TableName table) {
		synchronized (this.lifecycle) {
			try {
				TableInfo info = this.startup.add(table);
				this.tables.add(table);
				return info;
			}
			catch (SQLException ex) {
				throw new IllegalStateException("Cannot add table " + table + " to publication "
						+ this.settings.publication() + ": " + ex.getMessage(), ex);
			}
		}
	}

	/**
	 * Remove a table from the publication while streaming. Its changes stop from the next
	 * transaction on.
	 * @param table the table
	 */
	public void removeTable(TableName table) {
		synchronized (this.lifecycle) {
			try {
				this.startup.remove(table);
				this.tables.remove(table);
			}
			catch (SQLException ex) {
				throw new IllegalStateException("Cannot remove table " + table + " from publication "
						+ this.settings.publication() + ": " + ex.getMessage(), ex);
			}
		}
	}

	@Override
	public String toString() {
		return "ChangeStream[slot=" + this.settings.slot() + ", publication=" + this.settings.publication() + ", state="
				+ this.state.get() + "]";
	}

	/** @return the stream's settings */
	StreamSettings settings() {
		return this.settings;
	}

	/** @return the number of batches waiting for the handler (for tests), 0 when not started */
	int queuedBatches() {
		Running current = this.running;
		return (current != null) ? current.dispatcher().queued() : 0;
	}

	/** The parts of a started stream. */
	private record Running(StreamRunner runner, HandoffQueue dispatcher, Thread dispatcherThread, Thread readerThread) {
	}

	/** Builds a {@link ChangeStream}. */
	public static final class Builder {

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

		private int batchSize = 1024;

		private int queueCapacity = 16;

		private Duration statusInterval = Duration.ofSeconds(10);

		private Duration startupWait = DEFAULT_STARTUP_WAIT;

		private @Nullable BackOff backOff;

		private final List<StreamListener> listeners = new ArrayList<>();

		private @Nullable Consumer<Collection<TableInfo>> startupCheck;

		private @Nullable BatchHandler handler;

		private @Nullable Consumer<ChangeEvent> onEvent;

		private boolean streaming;

		private boolean binary;

		private @Nullable TypeRegistry types;

		Builder() {
		}

		/** @param url the JDBC URL ({@code jdbc:postgresql://...}) @return this */
		public Builder url(String url) {
			this.url = url;
			return this;
		}

		/** @param username the user (needs REPLICATION) @return this */
		public Builder username(@Nullable String username) {
			this.username = username;
			return this;
		}

		/** @param password the password @return this */
		public Builder password(@Nullable String password) {
			this.password = password;
			return this;
		}

		/**
		 * @param name the application's name: shown as {@code application_name} on the server
		 * (so a slot's holder can be told apart) and the base of the default slot and
		 * publication names ({@code <name>_slot}, {@code <name>_publication})
		 * @return this
		 */
		public Builder applicationName(@Nullable String name) {
			this.applicationName = name;
			return this;
		}

		/** @param tables tables to subscribe, as {@link TableName#parse} reads them @return this */
		public Builder tables(String... tables) {
			for (String table : tables) {
				this.tables.add(TableName.parse(table));
			}
			return this;
		}

		/** @param tables tables to subscribe @return this */
		public Builder tables(Collection<TableName> tables) {
			this.tables.addAll(tables);
			return this;
		}

		/** @param identity replica identity for every table (default FULL) @return this */
		public Builder replicaIdentity(ReplicaIdentity identity) {
			this.replicaIdentity = identity;
			return this;
		}

		/** @param table a table @param identity its replica identity @return this */
		public Builder replicaIdentity(TableName table, ReplicaIdentity identity) {
			this.tableIdentities.put(table, identity);
			return this;
		}

		/** @param name the publication name (default {@code cdc_publication}) @return this */
		public Builder publication(String name) {
			this.publication = name;
			return this;
		}

		/** @param mode AUTO (default) or EXISTING @return this */
		public Builder publicationMode(PublicationMode mode) {
			this.publicationMode = mode;
			return this;
		}

		/** @param name the slot name (default derived, with a per-instance suffix when temporary) @return this */
		public Builder slot(String name) {
			this.slot = name;
			return this;
		}

		/** @param durable whether the slot is permanent (default false: temporary) @return this */
		public Builder durable(boolean durable) {
			this.durable = durable;
			return this;
		}

		/** @param size the largest number of events in one batch (default 1024) @return this */
		public Builder batchSize(int size) {
			this.batchSize = size;
			return this;
		}

		/** @param capacity the number of batches queued between reader and dispatcher (default 16) @return this */
		public Builder queueCapacity(int capacity) {
			this.queueCapacity = capacity;
			return this;
		}

		/**
		 * @param interval how often standby status updates (the acknowledged position) are sent
		 * while messages arrive, and while a slow handler holds the queue full (default 10s); the
		 * server's keepalives are answered at once either way
		 * @return this
		 */
		public Builder statusInterval(Duration interval) {
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
		public Builder startupWait(Duration wait) {
			this.startupWait = wait;
			return this;
		}

		/** @param backOff reconnect back-off (default exponential, 1s to 30s, unlimited) @return this */
		public Builder backOff(BackOff backOff) {
			this.backOff = backOff;
			return this;
		}

		/** @param listener told about state changes @return this */
		public Builder listener(StreamListener listener) {
			this.listeners.add(listener);
			return this;
		}

		/**
		 * @param check called during start-up with every subscribed table; throw a
		 * {@link CdcConfigurationException} to fail start-up (used to check filter columns)
		 * @return this
		 */
		public Builder startupCheck(Consumer<Collection<TableInfo>> check) {
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
		public Builder streaming(boolean streaming) {
			this.streaming = streaming;
			return this;
		}

		/**
		 * @param types decodes column values (default: a registry that looks enums, domains and
		 * extension types up once in {@code pg_type} over the stream's own connection)
		 * @return this
		 */
		public Builder typeRegistry(TypeRegistry types) {
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
		public Builder binary(boolean binary) {
			this.binary = binary;
			return this;
		}

		/** @param handler receives batches @return this */
		public Builder handler(BatchHandler handler) {
			this.handler = handler;
			return this;
		}

		/** @param consumer receives each row change (logical messages are ignored) @return this */
		public Builder onEvent(Consumer<ChangeEvent> consumer) {
			this.onEvent = consumer;
			return this;
		}

		/**
		 * @return a new, not yet started stream
		 * @throws CdcConfigurationException if a setting is missing or invalid
		 */
		public ChangeStream build() {
			String jdbcUrl = this.url;
			if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
				throw new CdcConfigurationException("Set the stream's url to a PostgreSQL JDBC URL"
						+ " (jdbc:postgresql://host:5432/database), not " + jdbcUrl);
			}
			check(this.batchSize > 0, "batchSize must be at least 1, not " + this.batchSize);
			check(this.queueCapacity > 0, "queueCapacity must be at least 1, not " + this.queueCapacity);
			check(!this.startupWait.isNegative(), "startupWait must not be negative, not " + this.startupWait);
			check(!this.statusInterval.isNegative() && !this.statusInterval.isZero(),
					"statusInterval must be positive, not " + this.statusInterval);
			check(this.handler != null || this.onEvent != null,
					"Give the stream something to deliver to: handler(...) or onEvent(...)");
			String base = (this.applicationName != null && !this.applicationName.isBlank()) ? this.applicationName
					: SlotManager.DEFAULT_BASE;
			String publicationName = (this.publication != null) ? this.publication : base + "_publication";
			check(!publicationName.isEmpty() && publicationName.indexOf('\'') < 0 && publicationName.indexOf('\0') < 0,
					"The publication name must not be empty or contain quotes: " + publicationName);
			String slotName = (this.slot != null) ? SlotManager.sanitize(this.slot)
					: SlotManager.deriveName(base, !this.durable);
			StreamSettings settings = new StreamSettings(jdbcUrl, this.username, this.password,
					(this.applicationName != null) ? this.applicationName : "pgcdc", List.copyOf(this.tables),
					this.replicaIdentity, Map.copyOf(this.tableIdentities), publicationName, this.publicationMode, slotName,
					this.durable, this.batchSize, this.queueCapacity, this.statusInterval, this.startupWait,
					(this.backOff != null) ? this.backOff : defaultBackOff(), List.copyOf(this.listeners),
					this.startupCheck, handler(), this.streaming, this.binary,
					this.types);
			return new ChangeStream(settings);
		}

		/** @return a new stream, started */
		public ChangeStream start() {
			return build().start();
		}

		private BatchHandler handler() {
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

		private static void check(boolean condition, String message) {
			if (!condition) {
				throw new CdcConfigurationException(message);
			}
		}

		private static BackOff defaultBackOff() {
			ExponentialBackOff backOff = new ExponentialBackOff(1000, 2.0);
			backOff.setMaxInterval(30_000);
			return backOff;
		}

	}

}
