package dev.pgcdc.autoconfigure.health;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.replication.StreamState;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class CdcHealthContributorAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class,
				CdcHealthContributorAutoConfiguration.class, JacksonAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false");

	@Test
	void healthIndicatorIsUnknownWhenTheStreamWasNeverStarted() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(CdcHealthIndicator.class).hasBean("cdcHealthIndicator");
			Health health = context.getBean(CdcHealthIndicator.class).health();
			// not OUT_OF_SERVICE: that would turn the application's whole /actuator/health into 503
			assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
			assertThat(health.getDetails()).containsEntry("state", StreamState.STOPPED)
				.containsEntry("reason", "not started");
		});
	}

	@Test
	void noHealthIndicatorWhenDisabled() {
		this.contextRunner.withPropertyValues("management.health.cdc.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(CdcHealthIndicator.class));
	}

	@Test
	void noHealthIndicatorWhenCdcIsDisabled() {
		this.contextRunner.withPropertyValues("cdc.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(CdcHealthIndicator.class));
	}

	@Test
	void userHealthIndicatorWins() {
		this.contextRunner.withBean("cdcHealthIndicator", HealthIndicator.class, () -> () -> Health.up().build())
			.run((context) -> assertThat(context).doesNotHaveBean(CdcHealthIndicator.class));
	}

	@Test
	void starterWorksWithoutHealth() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HealthIndicator.class)).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(CdcHealthIndicator.class);
			assertThat(context).hasSingleBean(CdcSubscriptions.class);
		});
	}

	@Test
	void statusOfEachState() {
		assertThat(CdcHealthIndicator.status(StreamState.STREAMING)).isEqualTo(Status.UP);
		assertThat(CdcHealthIndicator.status(StreamState.STARTING)).isEqualTo(Status.UNKNOWN);
		assertThat(CdcHealthIndicator.status(StreamState.PAUSED)).isEqualTo(Status.OUT_OF_SERVICE);
		assertThat(CdcHealthIndicator.status(StreamState.STANDBY)).isEqualTo(Status.OUT_OF_SERVICE);
		assertThat(CdcHealthIndicator.status(StreamState.STOPPED)).isEqualTo(Status.UNKNOWN);
		assertThat(CdcHealthIndicator.status(StreamState.RECONNECTING)).isEqualTo(Status.DOWN);
		assertThat(CdcHealthIndicator.status(StreamState.FAILED)).isEqualTo(Status.DOWN);
	}

}
