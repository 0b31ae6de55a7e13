package dev.pgcdc.sample.control;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Component;

import dev.pgcdc.autoconfigure.CdcStreamLifecycle;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.dispatch.TableStats;
import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.StreamStatus;

/**
 * The one place the sample touches the starter's runtime state: which tables are subscribed,
 * whether each is dispatched, and the stream's status.
 * <p>
 * It uses the starter's {@link HandlerRegistry} and {@link CdcStreamLifecycle} beans
 * directly, because the {@code CdcSubscriptions} bean of the API (list / enable / disable)
 * is not in this build yet; when it is, this class delegates to it and nothing else changes.
 */
@Component
class StreamControl {

	private final HandlerRegistry registry;

	private final CdcStreamLifecycle lifecycle;

	StreamControl(HandlerRegistry registry, CdcStreamLifecycle lifecycle) {
		this.registry = registry;
		this.lifecycle = lifecycle;
	}

	/** @return the subscribed tables with their dispatch state, sorted by name */
	List<Subscription> subscriptions() {
		Map<TableName, TableStats> stats = this.registry.tableStats();
		return tables().stream().map((table) -> {
			TableStats each = stats.get(table);
			return (each != null) ? new Subscription(display(table), each.isEnabled(), each.events(), each.ignored())
					: new Subscription(display(table), true, 0, 0);
		}).toList();
	}

	/**
	 * Switch dispatch for a subscribed table, from its next transaction on.
	 * @param table the table, {@code users} or {@code schema.table}
	 * @param enabled whether to dispatch its changes
	 * @return whether the table is subscribed (nothing changes otherwise)
	 * @throws IllegalArgumentException if the name is not a valid table name
	 */
	boolean setEnabled(String table, boolean enabled) {
		TableName name = TableName.parse(table);
		if (!tables().contains(name)) {
			return false;
		}
		this.registry.table(name).setEnabled(enabled);
		return true;
	}

	/** @return the stream's status, once it has started */
	Optional<StreamStatus> status() {
		ChangeStream stream = this.lifecycle.getStream();
		return Optional.ofNullable((stream != null) ? stream.status() : null);
	}

	private Set<TableName> tables() {
		ChangeStream stream = this.lifecycle.getStream();
		Set<TableName> tables = new TreeSet<>(this.registry.tables());
		if (stream != null) {
			tables.addAll(stream.tables());
		}
		return tables;
	}

	private static String display(TableName table) {
		return TableName.DEFAULT_SCHEMA.equals(table.schema()) ? table.name() : table.toString();
	}

	/**
	 * One subscribed table.
	 * @param table the table
	 * @param enabled whether its changes are dispatched
	 * @param events events received while enabled
	 * @param ignored events passed over while disabled
	 */
	record Subscription(String table, @Nullable Boolean enabled, long events, long ignored) {
	}

}
