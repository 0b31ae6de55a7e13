package dev.pgcdc;

import dev.pgcdc.stream.CdcConfigurationException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import dev.pgcdc.CdcSubscriptionChangedEvent.Change;
import dev.pgcdc.dispatch.HandlerMethod;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.dispatch.TableStats;
import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.snapshot.SnapshotAlreadyRunningException;
import dev.pgcdc.snapshot.SnapshotStatus;
import dev.pgcdc.stream.CdcTableNotFoundException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Runtime control of the subscribed tables, while the stream runs (WalEx's
 * {@code add_config}/{@code remove_config}).
 * <ul>
 * <li>{@link #disable(String)} / {@link #enable(String)}: stop or resume dispatch for one table
 * from the next transaction on; the stream, the publication and the other tables are not
 * touched. Events of a disabled table are acknowledged without being handled (they are not
 * delivered later).</li>
 * <li>{@link #add(String)}: put a table into the publication (applying its replica identity)
 * while streaming. Its events flow from the next transaction on, with no restart, to the
 * handlers that name no table ({@code @OnEvent} and the composed annotations without
 * {@code table}) and to any handler naming it.</li>
 * <li>{@link #remove(String)}: stop dispatch for the table and take it out of the
 * publication.</li>
 * </ul>
 * Each change is logged once at INFO and published as a {@link CdcSubscriptionChangedEvent}.
 * <p>
 * Changes are deliberately <em>not</em> persisted: they last until the application restarts.
 * Configuration ({@code cdc.tables}, handler annotations) is the source of truth; at start-up
 * the publication is brought back in step with it and every table is enabled. Within one run
 * they survive reconnects.
 * <p>
 * Table names are read by {@link TableName#parse}: {@code users} (schema {@code public}),
 * {@code sales.orders}, {@code "Mixed Case"}. A name that is not a valid identifier is an
 * {@link IllegalArgumentException}; it never reaches SQL.
 */
public final class CdcSubscriptions {

	private static final Logger logger = LoggerFactory.getLogger(CdcSubscriptions.class);

	private final HandlerRegistry registry;

	private final Supplier<@Nullable ChangeStream> stream;

	private final @Nullable ApplicationEventPublisher publisher;

	private final Object monitor = new Object();

	/**
	 * Create the runtime control of a stream.
	 * @param registry the handlers, holding each table's enabled flag and counters
	 * @param stream the stream, or {@code null} while it is not created yet
	 * @param publisher where to publish {@link CdcSubscriptionChangedEvent}s, if anywhere
	 */
	public CdcSubscriptions(HandlerRegistry registry, Supplier<@Nullable ChangeStream> stream,
			@Nullable ApplicationEventPublisher publisher) {
		this.registry = registry;
		this.stream = stream;
		this.publisher = publisher;
	}

	/**
	 * The subscribed tables: the stream's, or before the stream exists the tables named by
	 * handlers.
	 * @return each subscription, sorted by table
	 */
	public List<CdcSubscription> list() {
		List<CdcSubscription> subscriptions = new ArrayList<>();
		subscribed().forEach((table) -> subscriptions.add(describe(table)));
		return subscriptions;
	}

	/**
	 * @param table a table name
	 * @return its subscription, empty when it is not subscribed
	 * @throws IllegalArgumentException if the name is not a valid table name
	 */
	public Optional<CdcSubscription> get(String table) {
		return get(TableName.parse(table));
	}

	/**
	 * @param table a table
	 * @return its subscription, empty when it is not subscribed
	 */
	public Optional<CdcSubscription> get(TableName table) {
		return subscribed().contains(table) ? Optional.of(describe(table)) : Optional.empty();
	}

	/**
	 * Resume dispatch for a table from the next transaction on.
	 * @param table a subscribed table
	 * @return its subscription
	 * @throws IllegalArgumentException if the name is not a valid table name
	 * @throws CdcTableNotFoundException if it is not subscribed (use {@link #add(String)})
	 */
	public CdcSubscription enable(String table) {
		return setEnabled(TableName.parse(table), true);
	}

	/**
	 * Resume dispatch for a table from the next transaction on.
	 * @param table a subscribed table
	 * @return its subscription
	 * @throws CdcTableNotFoundException if it is not subscribed
	 */
	public CdcSubscription enable(TableName table) {
		return setEnabled(table, true);
	}

	/**
	 * Stop dispatch for a table from the next transaction on, without touching the stream.
	 * @param table a subscribed table
	 * @return its subscription
	 * @throws IllegalArgumentException if the name is not a valid table name
	 * @throws CdcTableNotFoundException if it is not subscribed
	 */
	public CdcSubscription disable(String table) {
		return setEnabled(TableName.parse(table), false);
	}

	/**
	 * Stop dispatch for a table from the next transaction on, without touching the stream.
	 * @param table a subscribed table
	 * @return its subscription
	 * @throws CdcTableNotFoundException if it is not subscribed
	 */
	public CdcSubscription disable(TableName table) {
		return setEnabled(table, false);
	}

	private CdcSubscription setEnabled(TableName name, boolean enabled) {
		synchronized (this.monitor) {
			requireSubscribed(name);
			TableStats stats = this.registry.table(name);
			if (stats.isEnabled() != enabled) {
				stats.setEnabled(enabled);
				changed(name, enabled ? Change.ENABLED : Change.DISABLED);
			}
			return describe(name);
		}
	}

	/**
	 * Subscribe a table while streaming: add it to the publication, apply its replica
	 * identity and dispatch its events from the next transaction on. Adding a subscribed
	 * table changes nothing.
	 * @param table a table
	 * @return its subscription
	 * @throws IllegalArgumentException if the name is not a valid table name
	 * @throws CdcTableNotFoundException if the table does not exist
	 * @throws IllegalStateException if the stream is not running or the server refused
	 * @throws dev.pgcdc.replication.CdcConfigurationException if the table cannot be published
	 * (not a table, publication in {@code existing} mode not covering it...)
	 */
	public CdcSubscription add(String table) {
		return add(TableName.parse(table));
	}

	/**
	 * Subscribe a table while streaming; see {@link #add(String)}.
	 * @param name a table
	 * @return its subscription
	 * @throws CdcTableNotFoundException if the table does not exist
	 * @throws IllegalStateException if the stream is not running or the server refused
	 */
	public CdcSubscription add(TableName name) {
		synchronized (this.monitor) {
			ChangeStream stream = requireStream("add " + name);
			if (stream.tables().contains(name)) {
				return describe(name);
			}
			stream.addTable(name);
			this.registry.table(name).setEnabled(true);
			changed(name, Change.ADDED);
			return describe(name);
		}
	}

	/**
	 * Unsubscribe a table: stop dispatch for it from the next transaction on and take it out
	 * of the publication. Handlers naming it stay registered and receive nothing.
	 * @param table a subscribed table
	 * @throws IllegalArgumentException if the name is not a valid table name
	 * @throws CdcTableNotFoundException if it is not subscribed
	 * @throws IllegalStateException if the stream is not running or the server refused
	 */
	public void remove(String table) {
		remove(TableName.parse(table));
	}

	/**
	 * Unsubscribe a table; see {@link #remove(String)}.
	 * @param name a subscribed table
	 * @throws CdcTableNotFoundException if it is not subscribed
	 * @throws IllegalStateException if the stream is not running or the server refused
	 */
	public void remove(TableName name) {
		synchronized (this.monitor) {
			requireSubscribed(name);
			ChangeStream stream = requireStream("remove " + name);
			// events already received for it are not dispatched either
			TableStats stats = this.registry.table(name);
			boolean enabled = stats.isEnabled();
			stats.setEnabled(false);
			try {
				stream.removeTable(name);
			}
			catch (RuntimeException ex) {
				stats.setEnabled(enabled);
				throw ex;
			}
			changed(name, Change.REMOVED);
		}
	}

	private Set<TableName> subscribed() {
		ChangeStream current = this.stream.get();
		return new TreeSet<>((current != null) ? current.tables() : this.registry.tables());
	}

	private void requireSubscribed(TableName name) {
		Set<TableName> subscribed = subscribed();
		if (!subscribed.contains(name)) {
			throw new CdcTableNotFoundException(name,
					"Table " + name + " is not subscribed (subscribed: " + subscribed + "); add it first", null);
		}
	}

	/**
	 * Pause dispatch of the whole stream: after the batch being handled nothing reaches
	 * handlers and nothing past the last handled transaction is acknowledged; the connection
	 * stays open and status updates go on. The state becomes {@code PAUSED} once dispatch has
	 * actually paused.
	 * @throws IllegalStateException if the stream is not running
	 */
	public void pause() {
		synchronized (this.monitor) {
			requireStream("pause").pause();
			logger.info("CDC stream: pause requested");
		}
	}

	/**
	 * Resume dispatch after {@link #pause()}.
	 * @throws IllegalStateException if the stream is not running
	 */
	public void resume() {
		synchronized (this.monitor) {
			requireStream("resume").resume();
			logger.info("CDC stream: resume requested");
		}
	}

	/**
	 * Wait until every change committed before this call has been handled by the handlers (or
	 * filtered, or skipped): for tests that write rows and then assert what handlers did, and
	 * for deploy scripts. See {@link ChangeStream#awaitCaughtUp(Duration)}.
	 * @param timeout how long to wait at most
	 * @return whether the stream caught up within the timeout; {@code false} at once when it is
	 * not running
	 */
	public boolean awaitCaughtUp(Duration timeout) {
		ChangeStream current = this.stream.get();
		return current != null && current.awaitCaughtUp(timeout);
	}

	/**
	 * Start an incremental snapshot of a subscribed table while streaming: its rows are read in
	 * primary-key order, chunk by chunk between the stream's transactions, and delivered as
	 * {@code SNAPSHOT} events; no row is delivered staler than a change already delivered. One
	 * table is read at a time: another waits in the queue ({@code QUEUED}). See docs/snapshots.md.
	 * @param table a subscribed table
	 * @return its status
	 * @throws IllegalArgumentException if the name is not a valid table name
	 * @throws CdcTableNotFoundException if it is not subscribed
	 * @throws CdcConfigurationException if it has no primary key or the server refuses the
	 * watermark (the message says what to grant)
	 * @throws SnapshotAlreadyRunningException if one is queued or running for it
	 * @throws IllegalStateException if the stream is not running
	 */
	public SnapshotStatus snapshot(String table) {
		return snapshot(TableName.parse(table));
	}

	/**
	 * Start an incremental snapshot of a subscribed table; see {@link #snapshot(String)}.
	 * @param table a subscribed table
	 * @return its status
	 */
	public SnapshotStatus snapshot(TableName table) {
		synchronized (this.monitor) {
			requireSubscribed(table);
			SnapshotStatus status = requireStream("snapshot " + table).snapshots().start(table);
			return status;
		}
	}

	/**
	 * @param table a table name
	 * @return its latest snapshot, empty when it had none in this run (or, with a durable slot,
	 * none stored)
	 * @throws IllegalArgumentException if the name is not a valid table name
	 */
	public Optional<SnapshotStatus> snapshotStatus(String table) {
		return snapshotStatus(TableName.parse(table));
	}

	/**
	 * @param table a table
	 * @return its latest snapshot
	 */
	public Optional<SnapshotStatus> snapshotStatus(TableName table) {
		ChangeStream current = this.stream.get();
		return (current != null) ? current.snapshots().status(table) : Optional.empty();
	}

	/** @return the latest snapshot of every table that had one */
	public List<SnapshotStatus> snapshots() {
		ChangeStream current = this.stream.get();
		return (current != null) ? current.snapshots().statuses() : List.of();
	}

	/**
	 * Cancel a table's snapshot, queued or running; the rows delivered so far stay delivered.
	 * @param table a table name
	 * @return its latest snapshot ({@code CANCELLED} when it was queued or running), empty when
	 * it had none
	 * @throws IllegalArgumentException if the name is not a valid table name
	 */
	public Optional<SnapshotStatus> cancelSnapshot(String table) {
		return cancelSnapshot(TableName.parse(table));
	}

	/**
	 * Cancel a table's snapshot; see {@link #cancelSnapshot(String)}.
	 * @param table a table
	 * @return its latest snapshot
	 */
	public Optional<SnapshotStatus> cancelSnapshot(TableName table) {
		ChangeStream current = this.stream.get();
		return (current != null) ? current.snapshots().cancel(table) : Optional.empty();
	}

	private ChangeStream requireStream(String action) {
		ChangeStream current = this.stream.get();
		if (current == null || !current.isRunning()) {
			throw new IllegalStateException("Cannot " + action + ": the change stream is not running");
		}
		return current;
	}

	private CdcSubscription describe(TableName name) {
		TableStats stats = this.registry.table(name);
		List<String> handlers = new ArrayList<>();
		for (HandlerMethod handler : this.registry.handlers()) {
			if (!handler.definition().isMessageHandler() && handler.watches(name)) {
				handlers.add(handler.id());
			}
		}
		return new CdcSubscription(name.toString(), stats.isEnabled(), stats.events(), stats.ignored(),
				stats.filtered(), stats.lastEventTime(), handlers);
	}

	private void changed(TableName name, Change change) {
		logger.info("CDC subscription {}: {}", name, change.name().toLowerCase(Locale.ROOT));
		if (this.publisher != null) {
			this.publisher.publishEvent(new CdcSubscriptionChangedEvent(this, name.toString(), change));
		}
	}

}
