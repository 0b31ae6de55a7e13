package dev.pgcdc.live;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
 * with its full conditions.
 */
final class ShapeIndex {

	private static final Logger logger = LoggerFactory.getLogger(ShapeIndex.class);

	private final Map<TableName, Routes> tables = new ConcurrentHashMap<>();

	void add(Subscription subscription) {
		ShapePlan plan = subscription.plan();
		Routes routes = this.tables.computeIfAbsent(plan.meta().table(), (table) -> new Routes());
		routes.all.add(subscription);
		String column = plan.indexColumn();
		if (column == null) {
			routes.scan.add(subscription);
			return;
		}
		Map<Object, Set<Subscription>> byValue = routes.byColumn.computeIfAbsent(column,
				(name) -> new ConcurrentHashMap<>());
		for (Object key : plan.indexKeys()) {
			byValue.compute(key, (k, set) -> {
				Set<Subscription> subscriptions = (set != null) ? set : ConcurrentHashMap.newKeySet();
				subscriptions.add(subscription);
				return subscriptions;
			});
		}
	}

	void remove(Subscription subscription) {
		ShapePlan plan = subscription.plan();
		Routes routes = this.tables.get(plan.meta().table());
		if (routes == null) {
			return;
		}
		routes.all.remove(subscription);
		routes.scan.remove(subscription);
		String column = plan.indexColumn();
		if (column != null) {
			Map<Object, Set<Subscription>> byValue = routes.byColumn.get(column);
			if (byValue != null) {
				for (Object key : plan.indexKeys()) {
					byValue.computeIfPresent(key, (k, set) -> {
						set.remove(subscription);
						return set.isEmpty() ? null : set;
					});
				}
			}
		}
	}

	/** @return the tables with open queries */
	Set<TableName> tables() {
		return Collections.unmodifiableSet(this.tables.keySet());
	}

	/**
	 * Offer one change to every query it concerns.
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
		List<Set<Subscription>> found = new ArrayList<>(2);
		routes.byColumn.forEach((column, byValue) -> {
			Object value = (row != null) ? ShapePlan.key(row.get(column)) : null;
			Object before = (old != null) ? ShapePlan.key(old.get(column)) : null;
			if (value != null) {
				add(found, byValue.get(value));
			}
			if (before != null && !before.equals(value)) {
				add(found, byValue.get(before));
			}
		});
		add(found, routes.scan);
		if (found.size() == 1) {
			for (Subscription subscription : found.get(0)) {
				offer(subscription, event);
			}
		}
		else if (!found.isEmpty()) {
			Set<Subscription> seen = Collections.newSetFromMap(new IdentityHashMap<>());
			for (Set<Subscription> subscriptions : found) {
				for (Subscription subscription : subscriptions) {
					if (seen.add(subscription)) {
						offer(subscription, event);
					}
				}
			}
		}
	}

	private static void add(List<Set<Subscription>> found, @Nullable Set<Subscription> subscriptions) {
		if (subscriptions != null && !subscriptions.isEmpty()) {
			found.add(subscriptions);
		}
	}

	private static void offer(Subscription subscription, ChangeEvent event) {
		ShapeChange change = subscription.plan().change(event);
		if (change != null) {
			subscription.offer(event.xid(), change);
		}
	}

	/** Every open query of the table, and the index of those with an equality condition. */
	private static final class Routes {

		final Map<String, Map<Object, Set<Subscription>>> byColumn = new ConcurrentHashMap<>();

		final Set<Subscription> scan = ConcurrentHashMap.newKeySet();

		final Set<Subscription> all = ConcurrentHashMap.newKeySet();

	}

}
