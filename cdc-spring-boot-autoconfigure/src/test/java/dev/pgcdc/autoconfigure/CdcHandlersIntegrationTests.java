package dev.pgcdc.autoconfigure;

import dev.pgcdc.CdcStreamStateChangedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import dev.pgcdc.annotation.OnDelete;
import dev.pgcdc.annotation.OnEvent;
import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.annotation.OnMessage;
import dev.pgcdc.annotation.OnTruncate;
import dev.pgcdc.annotation.OnUpdate;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Operation;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Spring Boot context on a real PostgreSQL with handlers for every annotation, parameter
 * kind and filter.
 */
class CdcHandlersIntegrationTests {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("spring_handlers");
		database.execute("CREATE TABLE users (id int PRIMARY KEY, full_name text, email text,"
				+ " event_subscribe boolean NOT NULL DEFAULT true, updated_at timestamptz, todos_count int DEFAULT 0)",
				"CREATE TABLE todos (id int PRIMARY KEY, title text, done boolean NOT NULL DEFAULT false)",
				"CREATE TABLE marker (id serial PRIMARY KEY)");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	static ApplicationContextRunner runner(TestDatabase database) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, JacksonAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=" + database.jdbcUrl(),
					"spring.datasource.username=" + database.username(),
					"spring.datasource.password=" + database.password(), "spring.application.name=handlers-test");
	}

	static void awaitStreaming(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			CdcStreamLifecycle lifecycle = context.getBean(CdcStreamLifecycle.class);
			assertThat(lifecycle.getStream()).isNotNull();
			assertThat(lifecycle.getStream().state()).isEqualTo(StreamState.STREAMING);
		});
	}

	@Test
	void deliversToEveryAnnotationParameterKindAndFilter() {
		runner(database).withUserConfiguration(Handlers.class).withPropertyValues("cdc.tables=marker").run((context) -> {
			awaitStreaming(context);
			Handlers handlers = context.getBean(Handlers.class);
			assertThat(handlers.states).contains(StreamState.STREAMING);

			// INSERT bound to a record (snake_case columns to camelCase)
			database.execute("INSERT INTO users (id, full_name, email, event_subscribe) VALUES (1, 'Ann', 'ann@x', false)");
			await().untilAsserted(() -> assertThat(handlers.welcomed).containsExactly(new User(1, "Ann", "ann@x", false)));

			// unwatched record: event_subscribe = false is skipped, until an update makes it true
			database.execute("UPDATE users SET full_name = 'Anna' WHERE id = 1",
					"UPDATE users SET event_subscribe = true, full_name = 'Anne' WHERE id = 1",
					// only unwatched fields changed: skipped
					"UPDATE users SET updated_at = now(), todos_count = 3 WHERE id = 1",
					"INSERT INTO marker DEFAULT VALUES");
			await().untilAsserted(() -> assertThat(handlers.markers).isEqualTo(1));
			assertThat(handlers.changed).extracting((event) -> event.newRecord().get("full_name")).containsExactly("Anne");
			assertThat(handlers.changed.get(0).changes()).containsOnlyKeys("full_name", "event_subscribe");

			// SpEL on old and new rows, row bound as a map
			database.execute("INSERT INTO todos (id, title) VALUES (1, 'a'), (2, 'b')",
					"UPDATE todos SET done = true WHERE id = 1", "UPDATE todos SET title = 'a2' WHERE id = 1",
					"INSERT INTO marker DEFAULT VALUES");
			await().untilAsserted(() -> assertThat(handlers.markers).isEqualTo(2));
			assertThat(handlers.done).containsExactly(Map.of("id", 1, "title", "a", "done", true));

			// a message between two row changes of one transaction: WAL order
			database.execute("BEGIN; INSERT INTO todos (id, title) VALUES (3, 'c');"
					+ " SELECT pg_logical_emit_message(true, 'audit', 'between');"
					+ " INSERT INTO todos (id, title) VALUES (4, 'd'); COMMIT");
			await().untilAsserted(() -> assertThat(handlers.messages).containsExactly("audit:between"));
			int message = handlers.ordered.indexOf("message:between");
			assertThat(handlers.ordered.subList(message - 2, message + 3)).containsExactly("first:INSERT:todos:3",
					"second:INSERT:todos:3", "message:between", "first:INSERT:todos:4", "second:INSERT:todos:4");

			// a List handler gets every matching event of one transaction, once
			database.execute("INSERT INTO users (id, full_name) VALUES (2, 'Bob')", "DELETE FROM users");
			await().untilAsserted(() -> assertThat(handlers.removed).hasSize(1));
			assertThat(handlers.removed.get(0)).extracting((event) -> event.oldRecord().get("id")).containsExactly(1, 2);
			assertThat(handlers.removed.get(0)).allSatisfy((event) -> assertThat(event.operation()).isEqualTo(Operation.DELETE));

			database.execute("TRUNCATE todos");
			await().untilAsserted(() -> assertThat(handlers.truncated).containsExactly("todos"));

			// @OnEvent without a table saw every subscribed table, in order
			assertThat(handlers.ordered).filteredOn((entry) -> entry.startsWith("first:"))
				.containsSubsequence("first:INSERT:users:1", "first:UPDATE:users:1", "first:INSERT:todos:1",
						"first:DELETE:users:2", "first:TRUNCATE:todos:null");
		});
	}

	record User(int id, String fullName, String email, boolean eventSubscribe) {
	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		final List<StreamState> states = Collections.synchronizedList(new ArrayList<>());

		final List<User> welcomed = Collections.synchronizedList(new ArrayList<>());

		final List<ChangeEvent> changed = Collections.synchronizedList(new ArrayList<>());

		final List<Map<String, Object>> done = Collections.synchronizedList(new ArrayList<>());

		final List<List<ChangeEvent>> removed = Collections.synchronizedList(new ArrayList<>());

		final List<String> truncated = Collections.synchronizedList(new ArrayList<>());

		final List<String> messages = Collections.synchronizedList(new ArrayList<>());

		final List<String> ordered = Collections.synchronizedList(new ArrayList<>());

		volatile int markers;

		@EventListener
		void stateChanged(CdcStreamStateChangedEvent event) {
			this.states.add(event.getCurrent());
		}

		@OnInsert(table = "users")
		void welcome(User user) {
			this.welcomed.add(user);
		}

		@OnUpdate(table = "users", unwatchedFields = { "updated_at", "todos_count" },
				unwatchedRecords = "event_subscribe = false")
		void changed(ChangeEvent event) {
			this.changed.add(event);
		}

		@OnEvent(table = "todos", condition = "#op == 'UPDATE' and #new['done'] == true and #old.done == false")
		void done(Map<String, Object> row) {
			this.done.add(row);
		}

		@OnDelete("users")
		void removed(List<ChangeEvent> events) {
			this.removed.add(events);
		}

		@OnTruncate("todos")
		void truncated(ChangeEvent event) {
			this.truncated.add(event.table());
		}

		@OnMessage("audit")
		void message(LogicalMessage message, String content) {
			this.messages.add(message.prefix() + ":" + content);
			this.ordered.add("message:" + content);
		}

		@Order(2)
		@OnEvent
		void second(ChangeEvent event) {
			this.ordered.add("second:" + describe(event));
		}

		@Order(1)
		@OnEvent
		void first(ChangeEvent event) {
			this.ordered.add("first:" + describe(event));
		}

		@OnInsert("marker")
		void marker() {
			this.markers++;
		}

		private static String describe(ChangeEvent event) {
			Map<String, Object> row = event.record();
			return event.operation() + ":" + event.table() + ":" + ((row != null) ? row.get("id") : null);
		}


	}

}
