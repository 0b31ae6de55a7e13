package dev.pgcdc.dispatch;

import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.EventPosition;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Source;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.filter.EventFilter;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.TableInfo;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class HandlerMulticasterTests {

	private static final TableName USERS = TableName.parse("users");

	private static final TableName TODOS = TableName.parse("todos");

	private final List<String> calls = new ArrayList<>();

	private final HandlerRegistry registry = new HandlerRegistry();

	static ChangeEvent event(String table, Operation operation, Map<String, Object> newRow, Map<String, Object> oldRow,
			long xid) {
		Source source = new Source(Source.NAME, "17", "db", "public", table, Map.of("id", "int4"));
		return ChangeEvent.of(operation, source, newRow, oldRow, Set.of(), Instant.EPOCH, "0/" + xid, xid,
				EventPosition.of(xid, 0));
	}

	static Map<String, Object> row(Object... pairs) {
		Map<String, Object> row = new LinkedHashMap<>();
		for (int i = 0; i < pairs.length; i += 2) {
			row.put((String) pairs[i], pairs[i + 1]);
		}
		return row;
	}

	static TransactionBatch batch(long xid, boolean first, boolean last, CdcEvent... events) {
		return new TransactionBatch(xid, "0/" + xid, Instant.EPOCH, Arrays.asList(events), first, last);
	}

	HandlerMethod register(String id, String method, int order, Set<TableName> tables, EventFilter filter) {
		return this.registry.register(new HandlerDefinition(id, "handlers", this, method(method), order, tables, filter, null));
	}

	HandlerMethod registerMessage(String id, String method, String prefix) {
		return this.registry.register(new HandlerDefinition(id, "handlers", this, method(method), 0, Set.of(),
				EventFilter.acceptAll(), prefix));
	}

	static Method method(String name) {
		return Arrays.stream(HandlerMulticasterTests.class.getDeclaredMethods())
			.filter((method) -> method.getName().equals(name))
			.findFirst()
			.orElseThrow();
	}

	HandlerMulticaster dispatcher(ErrorPolicy policy, CdcErrorHandler errorHandler) {
		return new HandlerMulticaster(this.registry, HandlerMulticaster.retryPolicy(2, Duration.ofMillis(1), 1, Duration.ofMillis(1)), policy,
				errorHandler);
	}

	// handler methods

	void onEvent(ChangeEvent event) {
		this.calls.add("event:" + event.table() + ":" + event.operation());
	}

	void onEventAgain(ChangeEvent event) {
		this.calls.add("again:" + event.table() + ":" + event.operation());
	}

	void onList(List<ChangeEvent> events) {
		this.calls.add("list:" + events.size());
	}

	void onListMutating(List<ChangeEvent> events) {
		try {
			events.clear();
			this.calls.add("mutated");
		}
		catch (UnsupportedOperationException ex) {
			this.calls.add("unmodifiable:" + events.size());
		}
		if (this.failuresLeft.getAndDecrement() > 0) {
			throw new IllegalStateException("boom");
		}
	}

	void onMap(Map<String, Object> row) {
		this.calls.add("map:" + row);
	}

	record User(int id, String fullName, OffsetDateTime createdAt, BigDecimal balance) {
	}

	void onUser(User user, ChangeEvent event) {
		this.calls.add("user:" + user + ":" + event.operation());
	}

	void onMessage(LogicalMessage message, String content) {
		this.calls.add("message:" + message.prefix() + ":" + content);
	}

	record Payload(String name) {
	}

	void onPayload(Payload payload) {
		this.calls.add("payload:" + payload.name());
	}

	final AtomicInteger failuresLeft = new AtomicInteger();

	void failing(ChangeEvent event) {
		this.calls.add("failing:" + event.xid());
		if (this.failuresLeft.getAndDecrement() > 0) {
			throw new IllegalStateException("boom");
		}
	}

	void bad(String text) {
	}

	void badList(List<String> events) {
	}

	void listAndEvent(List<ChangeEvent> events, ChangeEvent event) {
	}

	void twoEvents(ChangeEvent one, ChangeEvent two) {
	}

	void noArguments() {
		this.calls.add("none");
	}

	@Test
	void callsHandlersPerEventInWalOrderThenHandlerOrderAndListHandlersAfterTheChunk() {
		register("list", "onList", 0, Set.of(USERS), EventFilter.acceptAll());
		register("again", "onEventAgain", 5, Set.of(), EventFilter.acceptAll());
		register("event", "onEvent", 1, Set.of(USERS), EventFilter.acceptAll());
		registerMessage("message", "onMessage", "audit");
		HandlerMulticaster dispatcher = dispatcher(ErrorPolicy.STOP, null);
		dispatcher.handle(batch(7, true, true, event("users", Operation.INSERT, row("id", 1), null, 7),
				new LogicalMessage(true, "audit", "hi".getBytes(StandardCharsets.UTF_8), "0/7", 7, Instant.EPOCH),
				new LogicalMessage(true, "other", "no".getBytes(StandardCharsets.UTF_8), "0/7", 7, Instant.EPOCH),
				event("todos", Operation.INSERT, row("id", 2), null, 7),
				event("users", Operation.DELETE, null, row("id", 1), 7)));
		assertThat(this.calls).containsExactly("event:users:INSERT", "again:users:INSERT", "message:audit:hi",
				"again:todos:INSERT", "event:users:DELETE", "again:users:DELETE", "list:2");
	}

	@Test
	void listHandlersGetEachChunkOfALargeTransaction() {
		register("list", "onList", 0, Set.of(USERS), EventFilter.of(List.of(Operation.INSERT), List.of(), List.of(), ""));
		HandlerMulticaster dispatcher = dispatcher(ErrorPolicy.STOP, null);
		dispatcher.handle(batch(8, true, false, event("users", Operation.INSERT, row("id", 1), null, 8),
				event("users", Operation.INSERT, row("id", 2), null, 8)));
		dispatcher.handle(batch(8, false, true, event("users", Operation.INSERT, row("id", 3), null, 8),
				event("users", Operation.DELETE, null, row("id", 3), 8)));
		dispatcher.handle(batch(9, true, true, event("users", Operation.DELETE, null, row("id", 3), 9)));
		assertThat(this.calls).containsExactly("list:2", "list:1");
		assertThat(this.registry.handler("list").orElseThrow().stats().filtered()).as("other operations are not filtered")
			.isZero();
	}

	@Test
	void listHandlersGetAnUnmodifiableChunkThatRetriesSeeUnchanged() {
		register("list", "onListMutating", 0, Set.of(USERS), EventFilter.acceptAll());
		this.failuresLeft.set(1);
		dispatcher(ErrorPolicy.STOP, null).handle(batch(8, true, true, event("users", Operation.INSERT, row("id", 1), null, 8),
				event("users", Operation.INSERT, row("id", 2), null, 8)));
		assertThat(this.calls).containsExactly("unmodifiable:2", "unmodifiable:2");
	}

	@Test
	void bindsRowsToRecordsAndMaps() {
		register("user", "onUser", 0, Set.of(USERS), EventFilter.acceptAll());
		register("map", "onMap", 1, Set.of(USERS), EventFilter.acceptAll());
		OffsetDateTime created = OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC);
		dispatcher(ErrorPolicy.STOP, null).handle(batch(1, true, true, event("users", Operation.DELETE, null,
				row("id", 4, "full_name", "Ann", "created_at", created, "balance", new BigDecimal("1.50"), "extra", "x"),
				1)));
		assertThat(this.calls).containsExactly(
				"user:" + new User(4, "Ann", created, new BigDecimal("1.50")) + ":DELETE",
				"map:{id=4, full_name=Ann, created_at=" + created + ", balance=1.50, extra=x}");
	}

	@Test
	void bindsMessageContent() {
		registerMessage("payload", "onPayload", "");
		dispatcher(ErrorPolicy.STOP, null).handle(batch(0, true, true,
				new LogicalMessage(false, "p", "{\"name\":\"n\",\"more\":1}".getBytes(StandardCharsets.UTF_8), "0/1", 0,
						null)));
		assertThat(this.calls).containsExactly("payload:n");
	}

	@Test
	void handlerWithoutParametersIsCalledPerEvent() {
		register("none", "noArguments", 0, Set.of(), EventFilter.acceptAll());
		dispatcher(ErrorPolicy.STOP, null).handle(batch(1, true, true, event("users", Operation.INSERT, row("id", 1),
				null, 1), event("todos", Operation.INSERT, row("id", 1), null, 1)));
		assertThat(this.calls).containsExactly("none", "none");
	}

	@Test
	void rejectsSignaturesThatCannotBeServed() {
		assertThatIllegalArgumentException().isThrownBy(() -> register("a", "bad", 0, Set.of(), EventFilter.acceptAll()))
			.withMessageContaining("bean 'handlers' method 'bad(String)'")
			.withMessageContaining("use ChangeEvent, List<ChangeEvent>");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> register("b", "badList", 0, Set.of(), EventFilter.acceptAll()))
			.withMessageContaining("List<ChangeEvent>");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> register("c", "listAndEvent", 0, Set.of(), EventFilter.acceptAll()))
			.withMessageContaining("cannot be combined");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> register("d", "twoEvents", 0, Set.of(), EventFilter.acceptAll()))
			.withMessageContaining("more than one ChangeEvent");
		assertThatIllegalArgumentException().isThrownBy(() -> registerMessage("e", "onEvent", ""))
			.withMessageContaining("@OnMessage handlers take");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> register("f", "onMessage", 0, Set.of(), EventFilter.acceptAll()))
			.withMessageContaining("need @OnMessage");
		register("same", "onEvent", 0, Set.of(), EventFilter.acceptAll());
		assertThatIllegalArgumentException()
			.isThrownBy(() -> register("same", "onEventAgain", 0, Set.of(), EventFilter.acceptAll()))
			.withMessageContaining("the id 'same' is already used");
	}

	@Test
	void retriesThenSucceeds() {
		HandlerMethod handler = register("failing", "failing", 0, Set.of(), EventFilter.acceptAll());
		this.failuresLeft.set(2);
		dispatcher(ErrorPolicy.STOP, null).handle(batch(3, true, true, event("users", Operation.INSERT, row("id", 1),
				null, 3)));
		assertThat(this.calls).containsExactly("failing:3", "failing:3", "failing:3");
		assertThat(handler.stats().invocations()).isEqualTo(3);
		assertThat(handler.stats().failures()).isEqualTo(2);
		assertThat(handler.stats().skipped()).isZero();
		assertThat(handler.stats().lastError()).contains("boom");
	}

	@Test
	void stopPolicyThrowsOutOfTheBatch() {
		register("failing", "failing", 0, Set.of(), EventFilter.acceptAll());
		register("event", "onEvent", 1, Set.of(), EventFilter.acceptAll());
		this.failuresLeft.set(10);
		assertThatExceptionOfType(HandlerFailedException.class)
			.isThrownBy(() -> dispatcher(ErrorPolicy.STOP, null).handle(batch(3, true, true,
					event("users", Operation.INSERT, row("id", 1), null, 3))))
			.withMessageContaining("CDC handler 'failing' failed on INSERT on public.users (xid 3, lsn 0/3) after 3"
					+ " attempts; error policy STOP")
			.withCauseInstanceOf(IllegalStateException.class);
		assertThat(this.calls).containsExactly("failing:3", "failing:3", "failing:3");
	}

	@Test
	void skipPolicyHandsEventsToTheErrorHandlerAndGoesOn() {
		HandlerMethod handler = register("failing", "failing", 0, Set.of(), EventFilter.acceptAll());
		register("event", "onEvent", 1, Set.of(), EventFilter.acceptAll());
		this.failuresLeft.set(3);
		List<HandlerFailure> failures = new ArrayList<>();
		ChangeEvent event = event("users", Operation.INSERT, row("id", 1), null, 3);
		dispatcher(ErrorPolicy.SKIP, failures::add).handle(batch(3, true, true, event));
		assertThat(this.calls).containsExactly("failing:3", "failing:3", "failing:3", "event:users:INSERT");
		assertThat(failures).singleElement().satisfies((failure) -> {
			assertThat(failure.handlerId()).isEqualTo("failing");
			assertThat(failure.events()).containsExactly(event);
			assertThat(failure.attempts()).isEqualTo(3);
			assertThat(failure.error()).hasMessage("boom");
		});
		assertThat(handler.stats().skipped()).isEqualTo(1);
	}

	@Test
	void failingErrorHandlerStopsTheStream() {
		register("failing", "failing", 0, Set.of(), EventFilter.acceptAll());
		this.failuresLeft.set(10);
		assertThatExceptionOfType(HandlerFailedException.class)
			.isThrownBy(() -> dispatcher(ErrorPolicy.SKIP, (failure) -> {
				throw new IllegalStateException("dead letter down");
			}).handle(batch(3, true, true, event("users", Operation.INSERT, row("id", 1), null, 3))))
			.withMessageContaining("the CdcErrorHandler failed too");
	}

	@Test
	void conditionErrorsGoToTheErrorPolicyWithoutRetry() {
		HandlerMethod handler = register("event", "onEvent", 0, Set.of(),
				EventFilter.of(List.of(), List.of(), List.of(), "#new['id']"));
		List<HandlerFailure> failures = new ArrayList<>();
		dispatcher(ErrorPolicy.SKIP, failures::add).handle(batch(3, true, true,
				event("users", Operation.INSERT, row("id", 1), null, 3)));
		assertThat(failures).singleElement().satisfies((failure) -> assertThat(failure.attempts()).isZero());
		assertThat(handler.stats().invocations()).isZero();
	}

	@Test
	void conditionErrorsDoNotCarryRowValues() {
		HandlerMethod notBoolean = register("notBoolean", "onEvent", 0, Set.of(),
				EventFilter.of(List.of(), List.of(), List.of(), "#new['secret']"));
		HandlerMethod notComparable = register("notComparable", "onEventAgain", 1, Set.of(),
				EventFilter.of(List.of(), List.of(), List.of(), "#new['secret'] > 5"));
		List<HandlerFailure> failures = new ArrayList<>();
		dispatcher(ErrorPolicy.SKIP, failures::add).handle(batch(3, true, true,
				event("users", Operation.INSERT, row("id", 1, "secret", "s3cr3t-value"), null, 3)));
		assertThat(failures).hasSize(2);
		for (HandlerMethod handler : List.of(notBoolean, notComparable)) {
			assertThat(handler.stats().lastError()).contains("INSERT on public.users (xid 3, lsn 0/3)")
				.doesNotContain("s3cr3t-value");
		}
		assertThat(failures).allSatisfy((failure) -> {
			assertThat(failure.error()).message().doesNotContain("s3cr3t-value");
			assertThat(failure.toString()).contains("INSERT on public.users (xid 3, lsn 0/3)").doesNotContain("s3cr3t-value");
		});
	}

	@Test
	void bindingErrorsDoNotCarryRowValues() {
		HandlerMethod handler = register("user", "onUser", 0, Set.of(USERS), EventFilter.acceptAll());
		List<HandlerFailure> failures = new ArrayList<>();
		dispatcher(ErrorPolicy.SKIP, failures::add).handle(batch(3, true, true,
				event("users", Operation.INSERT, row("id", "s3cr3t-value"), null, 3)));
		assertThat(failures).singleElement().satisfies((failure) -> assertThat(failure.error()).message()
			.contains("at 'id'")
			.doesNotContain("s3cr3t-value"));
		assertThat(handler.stats().lastError()).doesNotContain("s3cr3t-value");
	}

	@Test
	void filtersAndTableFiltersSkipEvents() {
		HandlerMethod handler = register("event", "onEvent", 0, Set.of(),
				EventFilter.of(List.of(), List.of("hidden = true"), List.of(), ""));
		this.registry.setTableFilter(TODOS, EventFilter.of(List.of(), List.of(), List.of("updated_at"), ""),
				"cdc.table.todos");
		dispatcher(ErrorPolicy.STOP, null).handle(batch(3, true, true,
				event("users", Operation.INSERT, row("id", 1, "hidden", true), null, 3),
				event("users", Operation.INSERT, row("id", 2, "hidden", false), null, 3),
				event("todos", Operation.UPDATE, row("id", 1, "updated_at", 2), row("id", 1, "updated_at", 1), 3),
				event("todos", Operation.UPDATE, row("id", 1, "updated_at", 2, "done", true),
						row("id", 1, "updated_at", 1, "done", false), 3)));
		assertThat(this.calls).containsExactly("event:users:INSERT", "event:todos:UPDATE");
		assertThat(handler.stats().filtered()).isEqualTo(1);
		assertThat(this.registry.table(TODOS).filtered()).isEqualTo(1);
		assertThat(this.registry.table(USERS).events()).isEqualTo(2);
	}

	@Test
	void disabledTablesStopAtTheNextTransaction() {
		register("event", "onEvent", 0, Set.of(), EventFilter.acceptAll());
		HandlerMulticaster dispatcher = dispatcher(ErrorPolicy.STOP, null);
		dispatcher.handle(batch(1, true, false, event("users", Operation.INSERT, row("id", 1), null, 1)));
		this.registry.table(USERS).setEnabled(false);
		dispatcher.handle(batch(1, false, true, event("users", Operation.UPDATE, row("id", 1), null, 1)));
		dispatcher.handle(batch(2, true, true, event("users", Operation.DELETE, null, row("id", 1), 2),
				event("todos", Operation.INSERT, row("id", 1), null, 2)));
		this.registry.table(USERS).setEnabled(true);
		dispatcher.handle(batch(3, true, true, event("users", Operation.INSERT, row("id", 1), null, 3)));
		assertThat(this.calls).containsExactly("event:users:INSERT", "event:users:UPDATE", "event:todos:INSERT",
				"event:users:INSERT");
		assertThat(this.registry.table(USERS).ignored()).isEqualTo(1);
	}

	@Test
	void validatesTablesAndFilterColumnsAgainstTheCatalog() {
		register("event", "onEvent", 0, Set.of(USERS), EventFilter.of(List.of(), List.of("hidden = true"),
				List.of("updated_at"), ""));
		register("all", "onEventAgain", 0, Set.of(), EventFilter.of(List.of(), List.of(), List.of("nowhere"), ""));
		this.registry.setTableFilter(TODOS, EventFilter.of(List.of(), List.of(), List.of("gone"), ""), "cdc.table.todos");
		TableInfo users = new TableInfo(USERS, Map.of("id", "int4", "hidden", "bool"));
		assertThatExceptionOfType(CdcConfigurationException.class).isThrownBy(() -> this.registry.validate(List.of(users)))
			.withMessageContaining("method 'onEvent(ChangeEvent)' filters on column 'updated_at', which table"
					+ " public.users does not have")
			.withMessageContaining("filters on column 'nowhere', which no subscribed table")
			.withMessageContaining("cdc.table.todos configures table public.todos, which is not subscribed");
		TableInfo full = new TableInfo(USERS, Map.of("id", "int4", "hidden", "bool", "updated_at", "timestamptz",
				"nowhere", "int4"));
		TableInfo todos = new TableInfo(TODOS, Map.of("id", "int4", "gone", "bool"));
		this.registry.validate(List.of(full, todos));
		assertThat(this.registry.tables()).containsExactly(USERS);
	}

}
