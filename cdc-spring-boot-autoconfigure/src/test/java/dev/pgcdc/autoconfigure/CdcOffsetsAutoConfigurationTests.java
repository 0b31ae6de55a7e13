package dev.pgcdc.autoconfigure;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cdc.offsets.*}: what the jdbc store needs, and the start-up errors naming the property
 * and the fix when it is missing. Nothing here connects.
 */
class CdcOffsetsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, JacksonAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false");

	@Test
	void serverStoreNeedsNothing() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(JdbcTemplate.class))
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(CdcStreamLifecycle.class));
	}

	@Test
	void jdbcStoreUsesTheApplicationsDataSourceAndTransactionManager() {
		this.contextRunner.withUserConfiguration(DataSourceAndTransactionManager.class)
			.withPropertyValues("cdc.offsets.store=jdbc", "cdc.offsets.table=app.pgcdc_offsets")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(CdcStreamLifecycle.class));
	}

	@Test
	void jdbcStoreWithoutADataSourceFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("cdc.offsets.store=jdbc")
			.run((context) -> assertFailed(context, "cdc.offsets.store", "there is no single (or @Primary) DataSource bean",
					"cdc.offsets.store=server"));
	}

	@Test
	void jdbcStoreWithoutATransactionManagerFailsNamingTheProperty() {
		this.contextRunner.withUserConfiguration(DataSourceOnly.class)
			.withPropertyValues("cdc.offsets.store=jdbc")
			.run((context) -> assertFailed(context, "cdc.offsets.store", "no single (or @Primary) PlatformTransactionManager",
					"spring-boot-starter-jdbc"));
	}

	@Test
	void jdbcStoreWithoutSpringJdbcFailsNamingTheProperty() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(JdbcTemplate.class))
			.withPropertyValues("cdc.offsets.store=jdbc")
			.run((context) -> assertFailed(context, "cdc.offsets.store", "spring-jdbc is not on the class path",
					"add spring-boot-starter-jdbc"));
	}

	@Test
	void jdbcStoreWhoseTransactionManagerManagesAnotherDataSourceFails() {
		this.contextRunner.withUserConfiguration(TransactionManagerOfAnotherDataSource.class)
			.withPropertyValues("cdc.offsets.store=jdbc")
			.run((context) -> assertFailed(context, "cdc.offsets.store", "manages another DataSource",
					"would not commit together"));
	}

	@Test
	void invalidTableNameFailsNamingTheProperty() {
		this.contextRunner.withUserConfiguration(DataSourceAndTransactionManager.class)
			.withPropertyValues("cdc.offsets.store=jdbc", "cdc.offsets.table=bad name; drop table x")
			.run((context) -> assertFailed(context, "cdc.offsets.table", "schema-qualified", "pgcdc_offsets"));
	}

	@Test
	void unknownStoreIsRejected() {
		this.contextRunner.withPropertyValues("cdc.offsets.store=kafka")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("kafka"));
	}

	static void assertFailed(AssertableApplicationContext context, String property, String... fix) {
		assertThat(context).hasFailed();
		Throwable failure = context.getStartupFailure();
		while (failure != null && !(failure instanceof InvalidConfigurationPropertyValueException)) {
			failure = failure.getCause();
		}
		assertThat(failure).isInstanceOf(InvalidConfigurationPropertyValueException.class);
		InvalidConfigurationPropertyValueException invalid = (InvalidConfigurationPropertyValueException) failure;
		assertThat(invalid.getName()).isEqualTo(property);
		assertThat(invalid.getMessage()).contains(fix);
	}

	private static DataSource dataSource() {
		return new DriverManagerDataSource("jdbc:postgresql://localhost:1/app");
	}

	@Configuration(proxyBeanMethods = false)
	static class DataSourceOnly {

		@Bean
		DataSource dataSource() {
			return CdcOffsetsAutoConfigurationTests.dataSource();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DataSourceAndTransactionManager {

		@Bean
		DataSource dataSource() {
			return CdcOffsetsAutoConfigurationTests.dataSource();
		}

		@Bean
		DataSourceTransactionManager transactionManager(DataSource dataSource) {
			return new DataSourceTransactionManager(dataSource);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TransactionManagerOfAnotherDataSource {

		@Bean
		@Primary
		DataSource dataSource() {
			return CdcOffsetsAutoConfigurationTests.dataSource();
		}

		@Bean
		DataSource reportingDataSource() {
			return CdcOffsetsAutoConfigurationTests.dataSource();
		}

		@Bean
		DataSourceTransactionManager transactionManager() {
			return new DataSourceTransactionManager(reportingDataSource());
		}

	}

}
