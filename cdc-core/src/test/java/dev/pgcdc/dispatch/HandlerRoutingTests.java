package dev.pgcdc.dispatch;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import dev.pgcdc.filter.EventFilter;
import org.junit.jupiter.api.Test;

import static dev.pgcdc.dispatch.HandlerMulticasterTests.batch;
import static dev.pgcdc.dispatch.HandlerMulticasterTests.event;
import static dev.pgcdc.dispatch.HandlerMulticasterTests.row;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The multicaster's cached routes and the row bound once per event and type.
 */
class HandlerRoutingTests {

	private static final TableName USERS = TableName.parse("users");

	private final List<Object> calls = new ArrayList<>();

	private final HandlerRegistry registry = new HandlerRegistry();

	private final HandlerMulticaster multicaster = new HandlerMulticaster(this.registry,
			HandlerMulticaster.retryPolicy(1, Duration.ofMillis(1), 1, Duration.ofMillis(1)), ErrorPolicy.STOP, null);

	@Test
	void handlersRegisteredLaterAreRoutedFromTheNextBatch() {
		register("first", "onEvent", 0, Set.of(USERS), EventFilter.acceptAll());
		this.multicaster.handle(batch(1, true, true, event("users", Operation.INSERT, row("id", 1), null, 1)));
		register("second", "onEventAgain", -1, Set.of(), EventFilter.acceptAll());
		this.multicaster.handle(batch(2, true, true, event("users", Operation.INSERT, row("id", 2), null, 2),
				event("todos", Operation.INSERT, row("id", 3), null, 2)));
		assertThat(this.calls).containsExactly("first:1", "again:2", "first:2", "again:3");
	}

	@Test
	void tableFiltersSetLaterApplyFromTheNextBatch() {
		register("first", "onEvent", 0, Set.of(), EventFilter.acceptAll());
		this.multicaster.handle(batch(1, true, true, event("users", Operation.INSERT, row("id", 1), null, 1)));
		this.registry.setTableFilter(USERS, EventFilter.of(List.of(Operation.UPDATE), List.of(), List.of(), ""),
				"cdc.table.users");
		this.multicaster.handle(batch(2, true, true, event("users", Operation.INSERT, row("id", 2), null, 2)));
		assertThat(this.calls).containsExactly("first:1");
		assertThat(this.registry.table(USERS).filtered()).isEqualTo(1);
	}

	@Test
	void handlersOfOneRowTypeShareOneBoundRowPerEvent() {
		register("a", "onRow", 0, Set.of(), EventFilter.acceptAll());
		register("b", "onRowAgain", 1, Set.of(), EventFilter.acceptAll());
		this.multicaster.handle(batch(1, true, true, event("users", Operation.INSERT, row("id", 1), null, 1),
				event("users", Operation.INSERT, row("id", 2), null, 1)));
		assertThat(this.calls).hasSize(4);
		assertThat(this.calls.get(0)).isSameAs(this.calls.get(1)).isEqualTo(new IdRow(1));
		assertThat(this.calls.get(2)).isSameAs(this.calls.get(3)).isEqualTo(new IdRow(2));
	}

	private void register(String id, String method, int order, Set<TableName> tables, EventFilter filter) {
		Method handler = Arrays.stream(HandlerRoutingTests.class.getDeclaredMethods())
			.filter((candidate) -> candidate.getName().equals(method))
			.findFirst()
			.orElseThrow();
		this.registry.register(new HandlerDefinition(id, "handlers", this, handler, order, tables, filter, null));
	}

	// handler methods

	void onEvent(ChangeEvent event) {
		this.calls.add("first:" + event.newRecord().get("id"));
	}

	void onEventAgain(ChangeEvent event) {
		this.calls.add("again:" + event.newRecord().get("id"));
	}

	void onRow(IdRow row) {
		this.calls.add(row);
	}

	void onRowAgain(IdRow row) {
		this.calls.add(row);
	}

	record IdRow(int id) {
	}

}
