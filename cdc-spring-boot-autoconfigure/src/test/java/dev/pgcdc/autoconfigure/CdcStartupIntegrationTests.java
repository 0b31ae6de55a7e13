package dev.pgcdc.autoconfigure;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.annotation.OnUpdate;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Start-up and shutdown of the stream inside a Spring Boot context, on a real PostgreSQL.
 */
class CdcStartupIntegrationTests {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("spring_startup");
		database.execute("CREATE TABLE users (id int PRIMARY KEY, full_name text)");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void streamsWithADerivedTemporarySlotAndDropsItOnClose() {
		CdcHandlersIntegrationTests.runner(database).withUserConfiguration(UserHandlers.class).run((context) -> {
			CdcHandlersIntegrationTests.awaitStreaming(context);
			assertThat(slots()).singleElement().asString().startsWith("handlers_test_slot_");
			assertThat(context.getBean(CdcStreamLifecycle.class).getStream().publication())
				.isEqualTo("handlers_test_publication");
		});
		assertThat(slots()).isEmpty();
	}

	@Test
	void appliesReplicaIdentityGloballyAndPerTable() {
		database.execute("CREATE TABLE IF NOT EXISTS todos (id int PRIMARY KEY)");
		CdcHandlersIntegrationTests.runner(database)
			.withUserConfiguration(UserHandlers.class)
			.withPropertyValues("cdc.tables=todos", "cdc.replica-identity=default", "cdc.table.todos.replica-identity=full")
			.run((context) -> {
				CdcHandlersIntegrationTests.awaitStreaming(context);
				assertThat(replicaIdentity("users")).isEqualTo("d");
				assertThat(replicaIdentity("todos")).isEqualTo("f");
			});
	}

	@Test
	void existingPublicationModeFailsClearlyWhenItIsMissing() {
		CdcHandlersIntegrationTests.runner(database)
			.withUserConfiguration(UserHandlers.class)
			.withPropertyValues("cdc.publication.mode=existing", "cdc.publication.name=not_there")
			.run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("not_there"));
	}

	@Test
	void unknownFilterColumnFailsStartupNamingBeanAndMethod() {
		CdcHandlersIntegrationTests.runner(database)
			.withUserConfiguration(UnknownColumn.class)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("method 'changed(ChangeEvent)' filters on column 'nope', which table public.users"
						+ " does not have"));
		assertThat(slots()).isEmpty();
	}

	@Test
	void unknownTableColumnInPropertiesFailsStartup() {
		CdcHandlersIntegrationTests.runner(database)
			.withUserConfiguration(UserHandlers.class)
			.withPropertyValues("cdc.table.users.unwatched-fields=gone")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("cdc.table.users filters on column 'gone'"));
	}

	@Test
	void missingTableFailsStartup() {
		CdcHandlersIntegrationTests.runner(database)
			.withUserConfiguration(MissingTable.class)
			.run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("nowhere"));
	}

	private static String replicaIdentity(String table) {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection
					.prepareStatement("SELECT relreplident::text FROM pg_class WHERE oid = to_regclass(?)")) {
			statement.setString(1, table);
			try (ResultSet result = statement.executeQuery()) {
				assertThat(result.next()).isTrue();
				return result.getString(1);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static List<String> slots() {
		List<String> slots = new ArrayList<>();
		try (Connection connection = database.connect();
				PreparedStatement statement = connection
					.prepareStatement("SELECT slot_name FROM pg_replication_slots WHERE database = current_database()");
				ResultSet result = statement.executeQuery()) {
			while (result.next()) {
				slots.add(result.getString(1));
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return slots;
	}

	@Configuration(proxyBeanMethods = false)
	static class UserHandlers {

		@OnInsert("users")
		void inserted(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UnknownColumn {

		@OnUpdate(table = "users", unwatchedFields = "nope")
		void changed(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class MissingTable {

		@OnInsert("nowhere")
		void inserted(ChangeEvent event) {
		}

	}

}
