package dev.pgcdc.dispatch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgcdc.event.TableName;
import dev.pgcdc.filter.EventFilter;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.TableInfo;

/**
 * The handlers of an application, the tables they name, per-table filters, enabled flags and
 * counters. Handlers are kept sorted by order, then by registration order; this is the order
 * in which the {@link HandlerMulticaster} calls them for each event.
 */
public final class HandlerRegistry {

	private static final Comparator<HandlerMethod> ORDER = Comparator.comparingInt((handler) -> handler.definition().order());

	private final RowBinder binder;

	private final List<HandlerMethod> registered = new ArrayList<>();

	private volatile List<HandlerMethod> sorted = List.of();

	private final Map<TableName, TableFilter> tableFilters = new ConcurrentHashMap<>();

	private final Map<TableName, TableStats> tables = new ConcurrentHashMap<>();

	// bumped after every change of what routing depends on (handlers, table filters)
	private volatile long version;

	/** A registry binding rows with a default Jackson mapper. */
	public HandlerRegistry() {
		this(new RowBinder());
	}

	/** @param binder binds rows and message contents to parameter types */
	public HandlerRegistry(RowBinder binder) {
		this.binder = binder;
	}

	/**
	 * Register a handler, checking its signature.
	 * @param definition the handler
	 * @return the registered handler
	 * @throws IllegalArgumentException if the signature cannot be served or the id is taken
	 */
	public synchronized HandlerMethod register(HandlerDefinition definition) {
		for (HandlerMethod existing : this.registered) {
			if (existing.id().equals(definition.id())) {
				throw new IllegalArgumentException("Invalid CDC handler " + definition.description() + ": the id '"
						+ definition.id() + "' is already used by " + existing.definition().description()
						+ "; give one of them another id (the annotation's id attribute)");
			}
		}
		HandlerMethod handler = new HandlerMethod(definition, this.binder);
		this.registered.add(handler);
		List<HandlerMethod> sorted = new ArrayList<>(this.registered);
		sorted.sort(ORDER);
		this.sorted = List.copyOf(sorted);
		definition.tables().forEach(this::table);
		this.version++;
		return handler;
	}

	/** @return every handler in dispatch order */
	public List<HandlerMethod> handlers() {
		return this.sorted;
	}

	/**
	 * @param id a handler id
	 * @return the handler with that id
	 */
	public Optional<HandlerMethod> handler(String id) {
		return this.sorted.stream().filter((handler) -> handler.id().equals(id)).findFirst();
	}

	/** @return the tables named by handlers, sorted */
	public Set<TableName> tables() {
		Set<TableName> tables = new TreeSet<>();
		this.sorted.forEach((handler) -> tables.addAll(handler.definition().tables()));
		return Collections.unmodifiableSet(tables);
	}

	/**
	 * Set filters for every handler of a table (skipping the event before any handler sees it).
	 * @param table the table
	 * @param filter the filter
	 * @param origin where it was configured, for messages (e.g. {@code cdc.table.users})
	 */
	public void setTableFilter(TableName table, EventFilter filter, String origin) {
		this.tableFilters.put(table, new TableFilter(filter, origin));
		table(table);
		synchronized (this) {
			this.version++;
		}
	}

	/**
	 * A number that changes whenever a handler is registered or a table filter is set, so a
	 * dispatcher knows when routes it derived from {@link #handlers()} and
	 * {@link #tableFilter(TableName)} are stale.
	 * @return the current version
	 */
	long version() {
		return this.version;
	}

	/**
	 * @param table a table
	 * @return its filter, accepting everything when none is set
	 */
	public EventFilter tableFilter(TableName table) {
		TableFilter filter = this.tableFilters.get(table);
		return (filter != null) ? filter.filter() : EventFilter.acceptAll();
	}

	/**
	 * The state of a table, created on first use (enabled).
	 * @param table the table
	 * @return its state and counters
	 */
	public TableStats table(TableName table) {
		return this.tables.computeIfAbsent(table, (name) -> new TableStats());
	}

	/** @return the state of every table seen so far, sorted by name */
	public Map<TableName, TableStats> tableStats() {
		Map<TableName, TableStats> copy = new LinkedHashMap<>();
		new TreeSet<>(this.tables.keySet()).forEach((name) -> copy.put(name, this.tables.get(name)));
		return copy;
	}

	/**
	 * The tables currently disabled, read by the dispatcher at each transaction boundary.
	 * @return the disabled tables
	 */
	public Set<TableName> disabledTables() {
		Set<TableName> disabled = null;
		for (Map.Entry<TableName, TableStats> entry : this.tables.entrySet()) {
			if (!entry.getValue().isEnabled()) {
				disabled = (disabled != null) ? disabled : new HashSet<>();
				disabled.add(entry.getKey());
			}
		}
		return (disabled != null) ? disabled : Set.of();
	}

	/**
	 * Check handlers and table filters against the catalog: every table a handler names must
	 * be subscribed, and every column a filter names must exist. A table-less handler's filter
	 * columns must exist in at least one subscribed table (tables without the column never
	 * match that entry). Meant as the stream's start-up check.
	 * @param subscribed the subscribed tables as found in the catalog
	 * @throws CdcConfigurationException naming the handler or property, and the fix
	 */
	public void validate(Collection<TableInfo> subscribed) {
		Map<TableName, TableInfo> byName = new LinkedHashMap<>();
		subscribed.forEach((info) -> byName.put(info.name(), info));
		List<String> problems = new ArrayList<>();
		for (HandlerMethod handler : this.sorted) {
			HandlerDefinition definition = handler.definition();
			if (definition.isMessageHandler()) {
				continue;
			}
			Set<String> columns = definition.filter().columns();
			for (TableName table : definition.tables()) {
				TableInfo info = byName.get(table);
				if (info == null) {
					problems.add("CDC handler " + definition.description() + " names table " + table
							+ ", which is not subscribed: check the table name");
					continue;
				}
				for (String column : columns) {
					if (!info.columns().containsKey(column)) {
						problems.add("CDC handler " + definition.description() + " filters on column '" + column
								+ "', which table " + table + " does not have (columns: " + info.columns().keySet()
								+ "): fix unwatchedRecords/unwatchedFields");
					}
				}
			}
			if (definition.tables().isEmpty()) {
				for (String column : columns) {
					if (byName.values().stream().noneMatch((info) -> info.columns().containsKey(column))) {
						problems.add("CDC handler " + definition.description() + " filters on column '" + column
								+ "', which no subscribed table " + byName.keySet()
								+ " has: fix unwatchedRecords/unwatchedFields");
					}
				}
			}
		}
		this.tableFilters.forEach((table, filter) -> {
			TableInfo info = byName.get(table);
			if (info == null) {
				problems.add(filter.origin() + " configures table " + table + ", which is not subscribed: add it to"
						+ " cdc.tables or name it in a handler");
				return;
			}
			for (String column : filter.filter().columns()) {
				if (!info.columns().containsKey(column)) {
					problems.add(filter.origin() + " filters on column '" + column + "', which table " + table
							+ " does not have (columns: " + info.columns().keySet() + ")");
				}
			}
		});
		if (!problems.isEmpty()) {
			throw new CdcConfigurationException(String.join(System.lineSeparator(), new LinkedHashSet<>(problems)));
		}
	}

	private record TableFilter(EventFilter filter, String origin) {
	}

}
