package dev.pgcdc;

import dev.pgcdc.stream.CdcTableNotFoundException;

import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.CdcSubscriptionChangedEvent.Change;
import dev.pgcdc.dispatch.DispatchObserver;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.ErrorPolicy;
import dev.pgcdc.dispatch.HandlerDefinition;
import dev.pgcdc.dispatch.HandlerMethod;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.EventPosition;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Source;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.filter.EventFilter;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.ReflectionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@link CdcSubscriptions} without a running stream (adding and removing against a server is
 * covered by the endpoint's integration tests), and the dispatcher honouring its flags.
 */
class CdcSubscriptionsTests {

	private final HandlerRegistry registry = new HandlerRegistry();

	private final List<Object> published = new ArrayList<>();

	private final List<String> handled = new ArrayList<>();

	private final CdcSubscriptions subscriptions = new CdcSubscriptions(this.registry, () -> null,
			this.published::add);

	@BeforeEach
	void registerHandlers() {
		register("users", "onUsers", Set.of(TableName.parse("users")));
		register("all", "onAll", Set.of());
		register("orders", "onOrders", Set.of(TableName.parse("sales.orders")));
	}

	void onUsers(ChangeEvent event) {
		this.handled.add("users:" + event.newRecord().get("id"));
	}

	void onAll(ChangeEvent event) {
		this.handled.add("all:" + event.table() + ":" + event.newRecord().get("id"));
	}

	void onOrders(ChangeEvent event) {
		this.handled.add("orders:" + event.newRecord().get("id"));
	}

	@Test
	void listsTheTablesHandlersNameBeforeTheStreamExists() {
		assertThat(this.subscriptions.list()).extracting(CdcSubscription::table)
			.containsExactly("public.users", "sales.orders");
		CdcSubscription users = this.subscriptions.get("USERS").orElseThrow();
		assertThat(users.enabled()).isTrue();
		assertThat(users.handlers()).containsExactly("users", "all");
		assertThat(this.subscriptions.get("todos")).isEmpty();
	}

	@Test
	void disableAndEnablePublishOneEventPerChange() {
		assertThat(this.subscriptions.disable("users").enabled()).isFalse();
		assertThat(this.subscriptions.disable("public.users").enabled()).isFalse();
		assertThat(this.subscriptions.enable("\"users\"").enabled()).isTrue();
		assertThat(this.published).hasSize(2).allSatisfy((event) -> assertThat(event).isInstanceOf(CdcSubscriptionChangedEvent.class));
		assertThat(this.published).extracting((event) -> ((CdcSubscriptionChangedEvent) event).getChange())
			.containsExactly(Change.DISABLED, Change.ENABLED);
		assertThat(((CdcSubscriptionChangedEvent) this.published.get(0)).getTable()).isEqualTo("public.users");
		assertThat(((CdcSubscriptionChangedEvent) this.published.get(0)).getSource()).isSameAs(this.subscriptions);
	}

	@Test
	void rejectsInvalidNamesBeforeAnythingElse() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.subscriptions.disable("users; DROP TABLE users"))
			.withMessageContaining("not a valid table name");
		assertThatIllegalArgumentException().isThrownBy(() -> this.subscriptions.add("a.b.c"));
		assertThatIllegalArgumentException().isThrownBy(() -> this.subscriptions.get("\"unterminated"));
		assertThat(this.published).isEmpty();
	}

	@Test
	void unknownTablesAreNotFound() {
		assertThatExceptionOfType(CdcTableNotFoundException.class).isThrownBy(() -> this.subscriptions.enable("todos"))
			.withMessageContaining("public.todos is not subscribed")
			.satisfies((ex) -> assertThat(ex.table()).isEqualTo(TableName.parse("todos")));
		assertThatExceptionOfType(CdcTableNotFoundException.class).isThrownBy(() -> this.subscriptions.remove("todos"));
	}

	@Test
	void addingNeedsARunningStream() {
		assertThatIllegalStateException().isThrownBy(() -> this.subscriptions.add("todos"))
			.withMessageContaining("the change stream is not running");
		assertThat(this.published).isEmpty();
	}

	@Test
	void dispatcherHonoursDisableFromTheNextTransactionAndTellsObservers() {
		List<String> observed = new ArrayList<>();
		HandlerMulticaster dispatcher = new HandlerMulticaster(this.registry, HandlerMulticaster.retryPolicy(0, Duration.ZERO, 1.0,
				Duration.ofMillis(1)), ErrorPolicy.SKIP, null);
		dispatcher.addObserver(new DispatchObserver() {

			@Override
			public void eventReceived(ChangeEvent event) {
				observed.add("event:" + event.table());
			}

			@Override
			public void handlerInvoked(HandlerMethod handler, long nanos, @Nullable Throwable error) {
				assertThat(nanos).isNotNegative();
				observed.add("call:" + handler.id() + ":" + ((error != null) ? "error" : "ok"));
			}

		});
		dispatcher.handle(batch(1, true, false, event("users", 1)));
		// disabled in the middle of transaction 1: the rest of it is still dispatched
		this.subscriptions.disable("users");
		dispatcher.handle(batch(1, false, true, event("users", 2)));
		dispatcher.handle(batch(2, true, true, event("users", 3)));
		this.subscriptions.enable("users");
		dispatcher.handle(batch(3, true, true, event("users", 4)));
		assertThat(this.handled).containsExactly("users:1", "all:users:1", "users:2", "all:users:2", "users:4",
				"all:users:4");
		CdcSubscription users = this.subscriptions.get("users").orElseThrow();
		assertThat(users.events()).isEqualTo(3);
		assertThat(users.ignored()).isEqualTo(1);
		assertThat(observed).containsExactly("event:users", "call:users:ok", "call:all:ok", "event:users",
				"call:users:ok", "call:all:ok", "event:users", "call:users:ok", "call:all:ok");
	}

	private void register(String id, String method, Set<TableName> tables) {
		Method target = ReflectionUtils.findMethod(getClass(), method, ChangeEvent.class);
		this.registry.register(new HandlerDefinition(id, "handlers", this, target, 0, tables, EventFilter.acceptAll(), null));
	}

	private static ChangeEvent event(String table, int id) {
		Source source = new Source(Source.NAME, "17", "db", "public", table, Map.of("id", "int4"));
		return ChangeEvent.of(Operation.INSERT, source, Map.of("id", id), null, Set.of(), Instant.EPOCH, "0/1", 1,
				EventPosition.of(1, id));
	}

	private static TransactionBatch batch(long xid, boolean first, boolean last, CdcEvent... events) {
		return new TransactionBatch(xid, "0/" + xid, Instant.EPOCH, Arrays.asList(events), first, last);
	}

}
