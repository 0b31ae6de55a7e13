package dev.pgcdc.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each change to the open queries it may concern without looking at the others: per
 * table, shapes with an equality (or {@code IN}) condition are found by (column, value) of the
 * change's new and old row — two hash look-ups per indexed column, whatever the number of
 * shapes — and only shapes without one are checked one by one. Each candidate then decides
 * with its full conditions. The candidates of a value are an array replaced on every
 * subscribe and close (copy on write): the stream's thread reads them without a lock or an
 * iterator, subscribing to a value that already has {@code k} queries copies {@code k}.
 */
final class ShapeIndex {

	private static final Logger logger = LoggerFactory.getLogger(ShapeIndex.class);

	private static final Subscription[] NONE = {};

	/** Changes looked up before any is offered (see {@link #route(List)}). */
	private static final int WINDOW = 16;

	/** An index value meaning: no query. */
	private static final Object NOTHING = new Object();

	/** An index value meaning: this change takes {@link #route(ChangeEvent)}. */
	private static final Object FULL_PATH = new Object();

	private final Map<TableName, Routes> tables = new ConcurrentHashMap<>();

	// the window of route(List), used by the stream's thread only

	private final @Nullable ChangeEvent[] window = new ChangeEvent[WINDOW];

	private final Object[] found = new Object[WINDOW];

	private final @Nullable ShapePlan[] plans = new ShapePlan[WINDOW];

	void add(Subscription subscription) {
		ShapePlan plan = subscription.plan();
		Routes routes = this.tables.computeIfAbsent(plan.meta().table(), (table) -> new Routes());
		synchronized (routes) {
			routes.all.add(subscription);
			String column = plan.indexColumn();
			if (column == null) {
				routes.scan = with(routes.scan, subscription);
				return;
			}
			ColumnIndex index = routes.column(column);
			for (Object key : plan.indexKeys()) {
				index.compute(key, (routed) -> (routed == null) ? subscription : with(routed, subscription));
			}
		}
	}

	void remove(Subscription subscription) {
		ShapePlan plan = subscription.plan();
		Routes routes = this.tables.get(plan.meta().table());
		if (routes == null) {
			return;
		}
		synchronized (routes) {
			routes.all.remove(subscription);
			routes.scan = without(routes.scan, subscription);
			String column = plan.indexColumn();
			if (column != null) {
				ColumnIndex index = routes.column(column);
				for (Object key : plan.indexKeys()) {
					index.compute(key, (routed) -> (routed == null) ? null : without(routed, subscription));
				}
			}
		}
	}

	/** @return the tables with open queries */
	Set<TableName> tables() {
		return Collections.unmodifiableSet(this.tables.keySet());
	}

	/**
	 * Offer a batch's changes, in order, to every query each concerns. One thread at a time (the
	 * stream's): the window below is this object's.
	 * <p>
	 * With many open queries, a change's index entry and its query are rarely in the CPU's caches,
	 * and each look-up is a chain of dependent loads (index slot, query, plan). So the usual
	 * change (one indexed column on its table, no unindexed shape, an update not moving the
	 * value) is looked up for a window of changes before any is offered, then the queries found
	 * are read, then the changes offered: the loads of different changes overlap instead of
	 * following one another. Any other change takes the full path at its turn.
	 * @param events a batch's events (changes are routed, the rest ignored)
	 */
	void route(List<? extends CdcEvent> events) {
		ChangeEvent[] changes = this.window;
		Object[] routed = this.found;
		ShapePlan[] plans = this.plans;
		int size = events.size();
		int next = 0;
		while (next < size) {
			int count = 0;
			while (next < size && count < WINDOW) {
				if (events.get(next++) instanceof ChangeEvent change) {
					changes[count] = change;
					try {
						routed[count] = lookUp(change);
					}
					catch (RuntimeException ex) {
						// the full path meets it again, and says so
						routed[count] = FULL_PATH;
					}
					count++;
				}
			}
			for (int i = 0; i < count; i++) {
				if (routed[i] instanceof Subscription one) {
					plans[i] = one.plan();
				}
			}
			for (int i = 0; i < count; i++) {
				ChangeEvent change = changes[i];
				try {
					Object found = routed[i];
					if (found == FULL_PATH) {
						route(change);
					}
					else if (found instanceof Subscription one) {
						offerFound(one, plans[i], change);
					}
					else if (found instanceof Subscription[] several) {
						for (Subscription subscription : several) {
							offerFound(subscription, subscription.plan(), change);
						}
					}
				}
				catch (RuntimeException ex) {
					// never the stream's problem
					logger.warn("Live queries: cannot route a change of {}: {}", change.qualifiedTable(), ex.toString());
				}
				changes[i] = null;
				routed[i] = NOTHING;
				plans[i] = null;
			}
		}
	}

	/**
	 * @return the usual change's index value ({@link #NOTHING} when no query is concerned), or
	 * {@link #FULL_PATH}
	 */
	private Object lookUp(ChangeEvent event) {
		Routes routes = this.tables.get(new TableName(event.schema(), event.table()));
		if (routes == null) {
			return NOTHING;
		}
		ColumnIndex[] columns = routes.columns;
		Operation operation = event.operation();
		if (columns.length != 1 || routes.scan.length != 0 || operation == Operation.TRUNCATE
				|| operation == Operation.SNAPSHOT) {
			return FULL_PATH;
		}
		ColumnIndex index = columns[0];
		Map<String, @Nullable Object> row = event.newRecord();
		Map<String, @Nullable Object> old = event.oldRecord();
		Object value = (row != null) ? ShapePlan.key(row.get(index.column)) : null;
		Object before = (old != null) ? ShapePlan.key(old.get(index.column)) : null;
		Object found;
		if (value != null) {
			if (before != null && !before.equals(value)) {
				return FULL_PATH;
			}
			found = index.get(value);
		}
		else {
			found = (before != null) ? index.get(before) : null;
		}
		return (found != null) ? found : NOTHING;
	}

	/**
	 * Offer one change to every query it concerns. On the stream's thread: no iterator, no
	 * collection per change in the usual case (one indexed column, one candidate set).
	 * @param event a change of the stream
	 */
	void route(ChangeEvent event) {
		Routes routes = this.tables.get(new TableName(event.schema(), event.table()));
		if (routes == null || routes.all.isEmpty()) {
			return;
		}
		if (event.operation() == Operation.TRUNCATE) {
			logger.info("Live queries: {} reset, table {} was truncated", routes.all.size(), event.qualifiedTable());
			for (Subscription subscription : routes.all) {
				subscription.reset("table " + event.qualifiedTable() + " was truncated");
			}
			return;
		}
		if (event.operation() == Operation.SNAPSHOT) {
			return;
		}
		Map<String, @Nullable Object> row = event.newRecord();
		Map<String, @Nullable Object> old = event.oldRecord();
		Candidates candidates = new Candidates();
		for (ColumnIndex index : routes.columns) {
			Object value = (row != null) ? ShapePlan.key(row.get(index.column)) : null;
			Object before = (old != null) ? ShapePlan.key(old.get(index.column)) : null;
			if (value != null) {
				candidates.add(index.get(value));
			}
			if (before != null && !before.equals(value)) {
				candidates.add(index.get(before));
			}
		}
		candidates.add(routes.scan);
		candidates.offer(event);
	}

	private static void offer(Subscription subscription, ChangeEvent event) {
		offer(subscription, subscription.plan().change(event), event);
	}

	// a change found under the query's key by lookUp (the same value in its new and old row)
	private static void offerFound(Subscription subscription, ShapePlan plan, ChangeEvent event) {
		offer(subscription, plan.change(event, plan.isOnlyEquality()), event);
	}

	private static void offer(Subscription subscription, @Nullable ShapeChange change, ChangeEvent event) {
		if (change != null) {
			subscription.offer(event.xid(), change);
		}
	}

	private static Subscription[] with(Subscription[] subscriptions, Subscription subscription) {
		Subscription[] longer = Arrays.copyOf(subscriptions, subscriptions.length + 1);
		longer[subscriptions.length] = subscription;
		return longer;
	}

	// an index value: one query (the usual case, one object less to read per change) or several
	private static Object with(Object routed, Subscription subscription) {
		return (routed instanceof Subscription[] several) ? with(several, subscription)
				: new Subscription[] { (Subscription) routed, subscription };
	}

	private static @Nullable Object without(Object routed, Subscription subscription) {
		if (routed == subscription) {
			return null;
		}
		if (!(routed instanceof Subscription[] several)) {
			return routed;
		}
		Subscription[] left = without(several, subscription);
		return (left.length == 1) ? left[0] : left;
	}

	private static Subscription[] without(Subscription[] subscriptions, Subscription subscription) {
		for (int i = 0; i < subscriptions.length; i++) {
			if (subscriptions[i] == subscription) {
				Subscription[] shorter = new Subscription[subscriptions.length - 1];
				System.arraycopy(subscriptions, 0, shorter, 0, i);
				System.arraycopy(subscriptions, i + 1, shorter, i, shorter.length - i);
				return shorter;
			}
		}
		return subscriptions;
	}

	/**
	 * The queries a change may concern: usually one array (one indexed column, an INSERT), else
	 * several, each query offered the change once.
	 */
	private static final class Candidates {

		private @Nullable Subscription single;

		private Subscription[] only = NONE;

		private @Nullable List<Subscription[]> more;

		void add(@Nullable Object routed) {
			if (routed instanceof Subscription one) {
				add(one);
			}
			else if (routed instanceof Subscription[] several) {
				add(several);
			}
		}

		private void add(Subscription one) {
			if (this.only.length == 0 && this.single == null) {
				this.single = one;
				return;
			}
			add(new Subscription[] { one });
		}

		void add(Subscription[] subscriptions) {
			if (subscriptions.length == 0) {
				return;
			}
			Subscription first = this.single;
			if (first != null) {
				this.single = null;
				this.only = new Subscription[] { first };
			}
			if (this.only.length == 0) {
				this.only = subscriptions;
				return;
			}
			if (this.more == null) {
				this.more = new ArrayList<>(3);
				this.more.add(this.only);
			}
			this.more.add(subscriptions);
		}

		void offer(ChangeEvent event) {
			Subscription first = this.single;
			if (first != null) {
				ShapeIndex.offer(first, event);
				return;
			}
			List<Subscription[]> several = this.more;
			if (several == null) {
				for (Subscription subscription : this.only) {
					ShapeIndex.offer(subscription, event);
				}
				return;
			}
			Set<Subscription> seen = Collections.newSetFromMap(new IdentityHashMap<>());
			for (Subscription[] subscriptions : several) {
				for (Subscription subscription : subscriptions) {
					if (seen.add(subscription)) {
						ShapeIndex.offer(subscription, event);
					}
				}
			}
		}

	}

	/**
	 * Every open query of the table, and the index of those with an equality condition. Changed
	 * under its own lock by subscribing and closing threads; read without one by the stream's
	 * thread: the arrays are never changed once published, only replaced.
	 */
	private static final class Routes {

		final Set<Subscription> all = ConcurrentHashMap.newKeySet();

		volatile ColumnIndex[] columns = {};

		/** Queries without an equality condition: checked one by one. */
		volatile Subscription[] scan = NONE;

		ColumnIndex column(String column) {
			for (ColumnIndex index : this.columns) {
				if (index.column.equals(column)) {
					return index;
				}
			}
			ColumnIndex index = new ColumnIndex(column);
			ColumnIndex[] longer = Arrays.copyOf(this.columns, this.columns.length + 1);
			longer[this.columns.length] = index;
			this.columns = longer;
			return index;
		}

	}

	/**
	 * The queries with an equality condition on one column, by its value (normalized key): a
	 * {@link Subscription}, or a {@code Subscription[]} of two or more. Integer keys, whatever
	 * their width, are in a {@link LongKeyTable} (two array slots read per look-up), the others in
	 * a hash map. Changed under the {@link Routes}' lock.
	 */
	private static final class ColumnIndex {

		final String column;

		private final LongKeyTable byNumber = new LongKeyTable();

		private final Map<Object, Object> byValue = new ConcurrentHashMap<>();

		ColumnIndex(String column) {
			this.column = column;
		}

		@Nullable Object get(Object key) {
			return isInteger(key) ? this.byNumber.get(((Number) key).longValue()) : this.byValue.get(key);
		}

		void compute(Object key, UnaryOperator<@Nullable Object> change) {
			if (isInteger(key)) {
				this.byNumber.compute(((Number) key).longValue(), change);
			}
			else {
				this.byValue.compute(key, (k, routed) -> change.apply(routed));
			}
		}

		private static boolean isInteger(Object key) {
			return key instanceof Integer || key instanceof Long || key instanceof Short;
		}

	}

}
