package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.annotation.CdcHandlerAnnotationBeanPostProcessor;
import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.dispatch.CdcErrorHandler;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.ErrorPolicy;
import dev.pgcdc.dispatch.HandlerFailure;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.EventPosition;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Source;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.replication.InvalidatedSlotPolicy;
import dev.pgcdc.replication.StreamSettings;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class CdcAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, JacksonAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false");

	@Test
	void createsTheBeansByDefault() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(CdcHandlerAnnotationBeanPostProcessor.class);
			assertThat(context).hasSingleBean(HandlerRegistry.class);
			assertThat(context).hasSingleBean(HandlerMulticaster.class);
			assertThat(context).hasSingleBean(CdcStreamLifecycle.class);
			assertThat(context).hasSingleBean(CdcProperties.class);
			assertThat(context.getBean(CdcStreamLifecycle.class).isRunning()).isFalse();
		});
	}

	@Test
	void backsOffWhenDisabled() {
		this.contextRunner.withPropertyValues("cdc.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(CdcHandlerAnnotationBeanPostProcessor.class);
			assertThat(context).doesNotHaveBean(HandlerRegistry.class);
			assertThat(context).doesNotHaveBean(CdcStreamLifecycle.class);
		});
	}

	@Test
	void backsOffWithoutPgjdbc() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(PGConnection.class)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(HandlerRegistry.class);
			assertThat(context).doesNotHaveBean(CdcStreamLifecycle.class);
		});
	}

	@Test
	void userBeansWin() {
		this.contextRunner.withUserConfiguration(UserBeans.class).run((context) -> {
			assertThat(context).hasSingleBean(HandlerRegistry.class);
			assertThat(context.getBean(HandlerRegistry.class)).isSameAs(context.getBean("myRegistry"));
			assertThat(context.getBean(HandlerMulticaster.class)).isSameAs(context.getBean("myDispatcher"));
			assertThat(context.getBean(HandlerMulticaster.class).errorPolicy()).isEqualTo(ErrorPolicy.STOP);
		});
	}

	@Test
	void failsClearlyWithoutAUrl() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class))
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("cdc.url")
				.hasMessageContaining("spring.datasource.url"));
	}

	@Test
	void rejectsNonPostgresUrlsNamingTheProperty() {
		this.contextRunner.withPropertyValues("spring.datasource.url=jdbc:h2:mem:x").run((context) -> {
			assertThat(context).getFailure().rootCause().isInstanceOf(InvalidConfigurationPropertyValueException.class);
			assertThat(invalidProperty(context.getStartupFailure())).isEqualTo("spring.datasource.url");
		});
		this.contextRunner.withPropertyValues("cdc.url=jdbc:mysql://x/y")
			.run((context) -> assertThat(invalidProperty(context.getStartupFailure())).isEqualTo("cdc.url"));
	}

	@Test
	void cdcConnectionPropertiesWinOverTheDataSource() {
		this.contextRunner
			.withPropertyValues("spring.datasource.username=app", "spring.datasource.password=secret",
					"cdc.url=jdbc:postgresql://other/db", "cdc.username=replicator")
			.run((context) -> {
				CdcStreamFactory.Connection connection = context.getBean(CdcStreamLifecycle.class)
					.streamFactory()
					.connection();
				assertThat(connection.url()).isEqualTo("jdbc:postgresql://other/db");
				assertThat(connection.username()).isEqualTo("replicator");
				assertThat(connection.password()).isEqualTo("secret");
				assertThat(connection.toString()).doesNotContain("secret");
			});
	}

	@Test
	void connectsToTheApplicationsJdbcConnectionDetails() {
		JdbcConnectionDetails details = new JdbcConnectionDetails() {

			@Override
			public String getJdbcUrl() {
				return "jdbc:postgresql://container:5432/test";
			}

			@Override
			public String getUsername() {
				return "test";
			}

			@Override
			public String getPassword() {
				return "container-secret";
			}

		};
		// @ServiceConnection: no spring.datasource.url at all
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, JacksonAutoConfiguration.class))
			.withPropertyValues("cdc.auto-startup=false")
			.withBean(JdbcConnectionDetails.class, () -> details)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				CdcStreamFactory.Connection connection = context.getBean(CdcStreamLifecycle.class)
					.streamFactory()
					.connection();
				assertThat(connection.url()).isEqualTo("jdbc:postgresql://container:5432/test");
				assertThat(connection.username()).isEqualTo("test");
				assertThat(connection.password()).isEqualTo("container-secret");
			});
		// the details win over spring.datasource.*, cdc.* over both
		this.contextRunner.withBean(JdbcConnectionDetails.class, () -> details)
			.withPropertyValues("spring.datasource.username=app", "cdc.username=replicator")
			.run((context) -> {
				CdcStreamFactory.Connection connection = context.getBean(CdcStreamLifecycle.class)
					.streamFactory()
					.connection();
				assertThat(connection.url()).isEqualTo("jdbc:postgresql://container:5432/test");
				assertThat(connection.username()).isEqualTo("replicator");
				assertThat(connection.password()).isEqualTo("container-secret");
			});
		this.contextRunner.withBean(JdbcConnectionDetails.class, () -> details)
			.withPropertyValues("cdc.url=jdbc:postgresql://other/db")
			.run((context) -> assertThat(
					context.getBean(CdcStreamLifecycle.class).streamFactory().connection().url())
				.isEqualTo("jdbc:postgresql://other/db"));
	}

	@Test
	void worksWithoutBootsJdbcSupport() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.boot.jdbc"))
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(CdcStreamLifecycle.class));
	}

	@Test
	void rejectsInvalidValuesNamingTheProperty() {
		assertInvalid("cdc.batch-size=0", "cdc.batch-size");
		assertInvalid("cdc.snapshot.readers=0", "cdc.snapshot.readers");
		assertInvalid("cdc.snapshot.readers=17", "cdc.snapshot.readers");
		assertInvalid("cdc.queue-capacity=-1", "cdc.queue-capacity");
		assertInvalid("cdc.status-interval=0s", "cdc.status-interval");
		assertInvalid("cdc.startup-wait=-1s", "cdc.startup-wait");
		assertInvalid("cdc.retry.max-retries=-1", "cdc.retry.max-retries");
		assertInvalid("cdc.retry.multiplier=0.5", "cdc.retry.multiplier");
		assertInvalid("cdc.retry.max-delay=10ms", "cdc.retry.max-delay");
		assertInvalid("cdc.reconnect.max-interval=10ms", "cdc.reconnect.max-interval");
		assertInvalid("cdc.reconnect.initial-interval=0s", "cdc.reconnect.initial-interval");
		assertInvalid("cdc.slot.name=Bad-Name", "cdc.slot.name");
		assertInvalid("cdc.slot.name=it's", "cdc.slot.name");
		assertInvalid("cdc.publication.name=it's", "cdc.publication.name");
		assertInvalid("cdc.publication.name=\"quoted\"", "cdc.publication.name");
		assertInvalid("cdc.publication.name=a,b", "cdc.publication.name");
		assertInvalid("cdc.publication.name=1pub", "cdc.publication.name");
		assertInvalid("cdc.publication.name=" + "p".repeat(64), "cdc.publication.name");
		assertInvalid("cdc.tables=not a table", "cdc.tables[0]");
		assertInvalid("cdc.table.users.unwatched-records=nonsense", "cdc.table.users.unwatched-records");
		assertInvalid("cdc.slot.failover=true", "cdc.slot.failover");
		assertInvalid("cdc.heartbeat.interval=0s", "cdc.heartbeat.interval");
		assertInvalid("cdc.heartbeat.action-query=UPDATE beat SET at = now()", "cdc.heartbeat.action-query");
	}

	@Test
	void slotSafetyPropertiesReachTheStream() {
		this.contextRunner
			.withPropertyValues("cdc.slot.durable=true", "cdc.slot.failover=true", "cdc.slot.on-invalidated=recreate",
					"cdc.heartbeat.interval=30s", "cdc.heartbeat.action-query=UPDATE beat SET at = now()")
			.run((context) -> {
				StreamSettings settings = context.getBean(CdcStreamLifecycle.class)
					.streamFactory()
					.create((from, to, cause) -> {
					})
					.settings();
				assertThat(settings.failover()).isTrue();
				assertThat(settings.onInvalidated()).isEqualTo(InvalidatedSlotPolicy.RECREATE);
				assertThat(settings.heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
				assertThat(settings.heartbeatActionQuery()).isEqualTo("UPDATE beat SET at = now()");
			});
		this.contextRunner.run((context) -> {
			StreamSettings settings = context.getBean(CdcStreamLifecycle.class).streamFactory().create((from, to, cause) -> {
			}).settings();
			assertThat(settings.failover()).isFalse();
			assertThat(settings.onInvalidated()).isEqualTo(InvalidatedSlotPolicy.FAIL);
			assertThat(settings.heartbeatInterval()).isNull();
		});
	}

	private void assertInvalid(String property, String name) {
		this.contextRunner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(invalidProperty(context.getStartupFailure())).as(property).isEqualTo(name);
		});
	}

	private static String invalidProperty(Throwable failure) {
		Throwable cause = failure;
		while (cause != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("InvalidConfigurationPropertyValueException in " + failure).isNotNull();
		return ((InvalidConfigurationPropertyValueException) cause).getName();
	}

	@Test
	void derivesPublicationAndSlotFromTheApplicationName() {
		this.contextRunner.withPropertyValues("spring.application.name=Order-Service").run((context) -> {
			CdcStreamFactory factory = context.getBean(CdcStreamLifecycle.class).streamFactory();
			assertThat(factory.publication()).isEqualTo("order_service_publication");
			assertThat(factory.slot()).as("derived by the stream, with a per-instance suffix when temporary").isNull();
		});
		this.contextRunner.run((context) -> {
			CdcStreamFactory factory = context.getBean(CdcStreamLifecycle.class).streamFactory();
			assertThat(factory.publication()).isEqualTo("cdc_publication");
		});
		this.contextRunner.withPropertyValues("cdc.publication.name=MyPub", "cdc.slot.name=my_slot").run((context) -> {
			CdcStreamFactory factory = context.getBean(CdcStreamLifecycle.class).streamFactory();
			assertThat(factory.publication()).isEqualTo("MyPub");
			assertThat(factory.slot()).isEqualTo("my_slot");
		});
	}

	@Test
	void errorPolicyDefaultsFollowTheSlotKind() {
		this.contextRunner.run((context) -> assertThat(context.getBean(HandlerMulticaster.class).errorPolicy())
			.isEqualTo(ErrorPolicy.SKIP));
		this.contextRunner.withPropertyValues("cdc.slot.durable=true")
			.run((context) -> assertThat(context.getBean(HandlerMulticaster.class).errorPolicy()).isEqualTo(ErrorPolicy.STOP));
		this.contextRunner.withPropertyValues("cdc.slot.durable=true", "cdc.error-policy=skip")
			.run((context) -> assertThat(context.getBean(HandlerMulticaster.class).errorPolicy()).isEqualTo(ErrorPolicy.SKIP));
	}

	@Test
	void registersAnnotatedHandlersAndUsesTheErrorHandlerBean() {
		this.contextRunner.withUserConfiguration(Handlers.class)
			.withPropertyValues("cdc.retry.max-retries=1", "cdc.retry.delay=1ms", "cdc.retry.max-delay=1ms")
			.run((context) -> {
				HandlerRegistry registry = context.getBean(HandlerRegistry.class);
				assertThat(registry.tables()).containsExactly(TableName.parse("users"));
				Source source = new Source(Source.NAME, "17", "db", "public", "users", Map.of("id", "int4"));
				ChangeEvent event = ChangeEvent.of(Operation.INSERT, source, Map.of("id", 1, "full_name", "Ann"), null,
						Set.of(), Instant.EPOCH, "0/1", 1, EventPosition.of(1, 0));
				context.getBean(HandlerMulticaster.class)
					.handle(new TransactionBatch(1, "0/1", Instant.EPOCH, List.of(event), true, true));
				Handlers handlers = context.getBean(Handlers.class);
				assertThat(handlers.users).containsExactly(new User(1, "Ann"), new User(1, "Ann"));
				assertThat(handlers.failures).singleElement()
					.satisfies((failure) -> assertThat(failure.attempts()).isEqualTo(2));
			});
	}

	@Test
	void lazyInitializationDoesNotDropHandlers() {
		this.contextRunner.withBean(LazyInitializationBeanFactoryPostProcessor.class)
			.withUserConfiguration(Handlers.class)
			.run((context) -> assertThat(context.getBean(HandlerRegistry.class).handlers()).hasSize(1));
	}

	@Test
	void startsNothingWithoutHandlersOrTables() {
		this.contextRunner.withPropertyValues("cdc.auto-startup=true").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(CdcStreamLifecycle.class).getStream()).isNull();
		});
	}

	@Test
	void tableFiltersFromPropertiesApply() {
		this.contextRunner
			.withPropertyValues("cdc.table.users.unwatched-fields=updated_at",
					"cdc.table[sales.orders].unwatched-records=archived = true")
			.run((context) -> {
				HandlerRegistry registry = context.getBean(HandlerRegistry.class);
				assertThat(registry.tableFilter(TableName.parse("users")).unwatchedFields()).containsExactly("updated_at");
				assertThat(registry.tableFilter(new TableName("sales", "orders")).unwatchedRecords()).hasSize(1);
			});
	}

	@Test
	void badHandlersFailStartupNamingBeanAndMethod() {
		this.contextRunner.withUserConfiguration(BadHandlers.class)
			.run((context) -> assertThat(context).getFailure()
				.hasMessageContaining("bean 'cdcAutoConfigurationTests.BadHandlers' method 'handle(int)'"));
		this.contextRunner.withUserConfiguration(BadCondition.class)
			.run((context) -> assertThat(context).getFailure()
				.hasMessageContaining("bean 'cdcAutoConfigurationTests.BadCondition' method 'handle(ChangeEvent)'")
				.hasMessageContaining("Invalid SpEL condition"));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		@Bean
		HandlerRegistry myRegistry() {
			return new HandlerRegistry();
		}

		@Bean
		HandlerMulticaster myDispatcher(HandlerRegistry registry) {
			return new HandlerMulticaster(registry, HandlerMulticaster.defaultRetryPolicy(), ErrorPolicy.STOP, null);
		}

	}

	record User(int id, String fullName) {
	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		final List<User> users = new ArrayList<>();

		final List<HandlerFailure> failures = new ArrayList<>();

		@OnInsert("users")
		void inserted(User user) {
			this.users.add(user);
			throw new IllegalStateException("always");
		}

		@Bean
		CdcErrorHandler deadLetter() {
			return this.failures::add;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadHandlers {

		@OnInsert("users")
		void handle(int id) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadCondition {

		@OnInsert(table = "users", condition = "#new[")
		void handle(ChangeEvent event) {
		}

	}


}
