package dev.pgcdc.autoconfigure;

import dev.pgcdc.live.LiveQueries;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class CdcLiveQueriesAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, CdcLiveQueriesAutoConfiguration.class,
				JacksonAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false");

	@Test
	void createsLiveQueriesWithoutConnecting() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(LiveQueries.class);
			assertThat(context.getBean(LiveQueries.class).openQueries()).isZero();
		});
	}

	@Test
	void backsOffWhenCdcIsDisabled() {
		this.contextRunner.withPropertyValues("cdc.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LiveQueries.class));
	}

	@Test
	void userBeanWins() {
		this.contextRunner.withUserConfiguration(UserLiveQueries.class).run((context) -> {
			assertThat(context).hasSingleBean(LiveQueries.class);
			assertThat(context.getBean(LiveQueries.class)).isSameAs(context.getBean("myLiveQueries"));
		});
	}

	@Test
	void badSettingsFailNamingTheProperty() {
		assertFailure("cdc.live.buffer-size=0", "cdc.live.buffer-size");
		assertFailure("cdc.live.threads=0", "cdc.live.threads");
		assertFailure("cdc.live.sse.retention=-1s", "cdc.live.sse.retention");
		assertFailure("cdc.live.sse.retained-events=-1", "cdc.live.sse.retained-events");
		assertFailure("cdc.live.sse.heartbeat=0s", "cdc.live.sse.heartbeat");
		assertFailure("cdc.live.sse.timeout=0s", "cdc.live.sse.timeout");
	}

	@Test
	void defaultsAreTheCoresDefaults() {
		CdcProperties.Live live = new CdcProperties().getLive();
		assertThat(CdcLiveQueriesAutoConfiguration.options(live)).isEqualTo(dev.pgcdc.live.LiveQueryOptions.defaults());
	}

	private void assertFailure(String setting, String property) {
		this.contextRunner.withPropertyValues(setting).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining(property);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserLiveQueries {

		@Bean
		LiveQueries myLiveQueries(dev.pgcdc.CdcSubscriptions subscriptions) {
			return new LiveQueries(new org.postgresql.ds.PGSimpleDataSource(), subscriptions,
					dev.pgcdc.live.LiveQueryOptions.defaults());
		}

	}

}
