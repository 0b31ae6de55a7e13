package dev.pgcdc.sample;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.sample.OutsideClient.Sql;
import dev.pgcdc.sample.activity.ActivityLog;
import dev.pgcdc.sample.activity.ActivityLog.Activity;
import dev.pgcdc.sample.audit.AuditLog;
import dev.pgcdc.sample.feed.ChangeEntry;
import dev.pgcdc.sample.feed.LiveFeed;
import dev.pgcdc.sample.feed.MessageEntry;
import dev.pgcdc.sample.user.UserCache;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole app on its embedded PostgreSQL: rows written with plain JDBC on a connection of
 * the test's own (never through the app's code) reach the handlers and the live feed.
 * <p>
 * After writing, a test waits with {@link CdcSubscriptions#awaitCaughtUp} until every change
 * committed so far has been handled, then asserts what the handlers did (or did not do): no
 * polling, no sleeps.
 */
@SampleAppTest
class SampleApplicationTests {

	static final Duration TIMEOUT = Duration.ofSeconds(30);

	@Autowired
	Environment environment;

	@Autowired
	CdcSubscriptions subscriptions;

	@Autowired
	ActivityLog activity;

	@Autowired
	LiveFeed feed;

	@Autowired
	AuditLog auditLog;

	@Autowired
	UserCache cache;

	OutsideClient sql;

	@BeforeEach
	void client() {
		this.sql = OutsideClient.of(this.environment);
	}

	@Test
	void aUserInsertedByAnotherClientIsWelcomedAuditedAndFed() {
		String email = unique("welcome") + "@example.com";
		this.sql.execute("INSERT INTO users (email, name) VALUES (?, 'Wendy Welcome')", email);

		caughtUp();
		assertThat(hasActivity("welcome", (text) -> text.contains(email) && text.contains("Wendy Welcome"))).isTrue();
		assertThat(changes().anyMatch((change) -> change.table().equals("users")
				&& change.operation().equals("INSERT") && email.equals(change.row().get("email")))).isTrue();
		long id = idOf("users", "email", email);
		assertThat(this.auditLog.entries()).anySatisfy((entry) -> {
			assertThat(entry.operation()).isEqualTo("INSERT");
			assertThat(entry.table()).isEqualTo("public.users");
			assertThat(entry.id()).isEqualTo(String.valueOf(id));
		});
	}

	@Test
	void aRealChangeEvictsTheCachedUserButTriggerColumnsAndUnsubscribedUsersDoNot() {
		long watched = createUser(unique("watched"), true);
		long unsubscribed = createUser(unique("unsubscribed"), false);
		long marker = createUser(unique("marker"), true);
		this.cache.get(watched);
		this.cache.get(unsubscribed);
		this.cache.get(marker);

		// only updated_at and todos_count change: unwatchedFields
		this.sql.execute("UPDATE users SET updated_at = now() WHERE id = ?", watched);
		this.sql.execute("INSERT INTO todos (user_id, title) VALUES (?, 'counted')", watched);
		// a real change, but of a user with event_subscribe = false: unwatchedRecords
		this.sql.execute("UPDATE users SET name = 'Renamed quietly' WHERE id = ?", unsubscribed);
		this.sql.execute("UPDATE users SET name = 'Marker renamed' WHERE id = ?", marker);

		caughtUp();
		assertThat(this.cache.contains(marker)).isFalse();
		assertThat(this.cache.contains(watched)).as("cached after changes of unwatched fields only").isTrue();
		assertThat(this.cache.contains(unsubscribed)).as("cached after a change to an unsubscribed user").isTrue();
		assertThat(this.cache.get(unsubscribed).orElseThrow().user().name()).as("the stale copy, by design")
			.isNotEqualTo("Renamed quietly");

		this.sql.execute("UPDATE users SET name = 'Renamed for real' WHERE id = ?", watched);
		caughtUp();
		assertThat(this.cache.contains(watched)).isFalse();
		assertThat(this.cache.get(watched).orElseThrow().user().name()).isEqualTo("Renamed for real");
		assertThat(hasActivity("cache", (text) -> text.equals("evicted user " + watched + ", changed [name, updated_at]")))
			.isTrue();
	}

	@Test
	void theConditionPicksDoneTodosAndTheListHandlerSeesWholeTransactions() {
		long owner = createUser(unique("owner"), true);
		String prefix = unique("todo");
		this.sql.inTransaction(new Sql("INSERT INTO todos (user_id, title) VALUES (?, ?)", owner, prefix + "-a"),
				new Sql("INSERT INTO todos (user_id, title) VALUES (?, ?)", owner, prefix + "-b"),
				new Sql("INSERT INTO todos (user_id, title) VALUES (?, ?)", owner, prefix + "-c"));
		long xid = this.sql.queryLongs("SELECT xmin::text::bigint FROM todos WHERE title = ?", prefix + "-a").get(0);

		caughtUp();
		assertThat(hasActivity("batch",
				(text) -> text.equals("Transaction " + xid + " changed 3 todo(s): {INSERT=3}"))).isTrue();

		this.sql.execute("UPDATE todos SET done = true WHERE title = ?", prefix + "-b");
		caughtUp();
		assertThat(hasActivity("done", (text) -> text.contains("\"" + prefix + "-b\" is done"))).isTrue();
		assertThat(hasActivity("done", (text) -> text.contains(prefix + "-a") || text.contains(prefix + "-c")))
			.as("todos that are not done do not pass the condition")
			.isFalse();
	}

	@Test
	void usersDeletedTogetherArriveAsOneList() {
		long first = createUser(unique("gone1"), true);
		long second = createUser(unique("gone2"), true);
		this.sql.execute("DELETE FROM users WHERE id IN (?, ?)", first, second);

		caughtUp();
		assertThat(hasActivity("cleanup", (text) -> text.startsWith("2 user(s) deleted in transaction"))).isTrue();
		assertThat(changes().filter((change) -> change.table().equals("users")
				&& change.operation().equals("DELETE")
				&& List.of(String.valueOf(first), String.valueOf(second)).contains(change.row().get("id"))).count() == 2).isTrue();
	}

	@Test
	void outboxMessagesReachTheirHandlerAndEveryMessageReachesTheFeed() {
		String other = unique("other");
		String type = unique("order.placed");
		this.sql.execute("SELECT pg_logical_emit_message(true, 'audit-trail', ?)", "{\"type\": \"" + other + "\"}");
		this.sql.execute("SELECT pg_logical_emit_message(true, 'outbox', ?)", "{\"type\": \"" + type + "\"}");

		caughtUp();
		assertThat(hasActivity("outbox", (text) -> text.startsWith("\"" + type + "\" handed to"))).isTrue();
		assertThat(hasActivity("outbox", (text) -> text.contains(other))).as("another prefix is not the outbox")
			.isFalse();
		assertThat(messages()).anySatisfy((message) -> {
			assertThat(message.prefix()).isEqualTo("audit-trail");
			assertThat(message.content()).contains(other);
			assertThat(message.transactional()).isTrue();
		});
		assertThat(messages()).anySatisfy((message) -> assertThat(message.content()).contains(type));
	}

	@Test
	void anUpdateShowsItsChangedColumnsOldAndNew() {
		long id = createUser(unique("diff"), true);
		this.sql.execute("UPDATE users SET name = 'After' WHERE id = ?", id);

		caughtUp();
		assertThat(changes().anyMatch((change) -> change.operation().equals("UPDATE")
				&& String.valueOf(id).equals(change.row().get("id")) && change.changes()
					.stream()
					.anyMatch((column) -> column.column().equals("name") && "Before".equals(column.oldValue())
							&& "After".equals(column.newValue())))).isTrue();
		ChangeEntry update = changes()
			.filter((change) -> change.operation().equals("UPDATE") && String.valueOf(id).equals(change.row().get("id")))
			.findFirst()
			.orElseThrow();
		assertThat(update.lsn()).matches("[0-9A-F]+/[0-9A-F]+");
		assertThat(update.commitTime()).isNotBlank();
		assertThat(update.xid()).isPositive();
	}

	private long createUser(String name, boolean eventSubscribe) {
		String email = name + "@example.com";
		this.sql.execute("INSERT INTO users (email, name, event_subscribe) VALUES (?, 'Before', ?)", email,
				eventSubscribe);
		long id = idOf("users", "email", email);
		// the welcome is the sign that the handlers have seen this user
		caughtUp();
		assertThat(hasActivity("welcome", (text) -> text.contains(email))).isTrue();
		return id;
	}

	private long idOf(String table, String column, String value) {
		// table and column are constants of this test
		return this.sql.queryLongs("SELECT id FROM " + table + " WHERE " + column + " = ?", value).get(0);
	}

	private boolean hasActivity(String handler, Predicate<String> text) {
		return this.activity.recent()
			.stream()
			.filter((each) -> each.handler().equals(handler))
			.map(Activity::text)
			.anyMatch(text);
	}

	private Stream<ChangeEntry> changes() {
		return this.feed.recent()
			.stream()
			.map(LiveFeed.Entry::data)
			.filter(ChangeEntry.class::isInstance)
			.map(ChangeEntry.class::cast);
	}

	private List<MessageEntry> messages() {
		return this.feed.recent()
			.stream()
			.map(LiveFeed.Entry::data)
			.filter(MessageEntry.class::isInstance)
			.map(MessageEntry.class::cast)
			.toList();
	}

	/**
	 * Every change committed so far has been handled: what the handlers did can be asserted
	 * at once.
	 */
	private void caughtUp() {
		assertThat(this.subscriptions.awaitCaughtUp(TIMEOUT)).as("caught up within " + TIMEOUT).isTrue();
	}

	private static String unique(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

}
