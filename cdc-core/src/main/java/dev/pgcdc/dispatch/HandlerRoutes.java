package dev.pgcdc.dispatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import dev.pgcdc.filter.EventFilter;

/**
 * For each table, its counters, its table filter and, per operation, the change handlers that
 * may see its events (they watch the table and accept the operation), in dispatch order: what
 * the {@link HandlerMulticaster} would otherwise find by scanning every handler for every
 * event. A table's routes are built on its first event and all are dropped when the
 * registry's {@link HandlerRegistry#version() version} changes (a handler registered, a table
 * filter set), which {@link #refresh()} checks once per batch. Disabled tables are not part of
 * a route: the multicaster reads them per transaction. Dispatcher thread only.
 */
final class HandlerRoutes {

	private static final Operation[] OPERATIONS = Operation.values();

	private final HandlerRegistry registry;

	private final Map<TableName, Route> routes = new HashMap<>();

	private List<HandlerMethod> handlers = List.of();

	private long version = -1;

	HandlerRoutes(HandlerRegistry registry) {
		this.registry = registry;
	}

	/**
	 * Catch up with the registry.
	 * @return every handler, in dispatch order
	 */
	List<HandlerMethod> refresh() {
		// the version first: a registration between the two reads is seen again at the next batch
		long version = this.registry.version();
		if (version != this.version) {
			this.handlers = this.registry.handlers();
			this.routes.clear();
			this.version = version;
		}
		return this.handlers;
	}

	/**
	 * @param table a table
	 * @return its route, built on first use
	 */
	Route route(TableName table) {
		Route route = this.routes.get(table);
		if (route == null) {
			route = new Route(this.registry.table(table), this.registry.tableFilter(table), candidates(table));
			this.routes.put(table, route);
		}
		return route;
	}

	private HandlerMethod[][] candidates(TableName table) {
		HandlerMethod[][] byOperation = new HandlerMethod[OPERATIONS.length][];
		for (Operation operation : OPERATIONS) {
			List<HandlerMethod> candidates = new ArrayList<>();
			for (HandlerMethod handler : this.handlers) {
				if (!handler.definition().isMessageHandler() && handler.watches(table)
						&& handler.filter().acceptsOperation(operation)) {
					candidates.add(handler);
				}
			}
			byOperation[operation.ordinal()] = candidates.toArray(new HandlerMethod[0]);
		}
		return byOperation;
	}

	/** The dispatch facts of one table. */
	static final class Route {

		private final TableStats stats;

		private final EventFilter tableFilter;

		private final HandlerMethod[][] byOperation;

		Route(TableStats stats, EventFilter tableFilter, HandlerMethod[][] byOperation) {
			this.stats = stats;
			this.tableFilter = tableFilter;
			this.byOperation = byOperation;
		}

		TableStats stats() {
			return this.stats;
		}

		EventFilter tableFilter() {
			return this.tableFilter;
		}

		/**
		 * @param operation an operation
		 * @return the handlers that may see the table's events of that operation, in dispatch order
		 */
		HandlerMethod[] handlers(Operation operation) {
			return this.byOperation[operation.ordinal()];
		}

	}

}
