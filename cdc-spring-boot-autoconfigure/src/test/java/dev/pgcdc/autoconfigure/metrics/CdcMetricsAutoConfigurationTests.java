package dev.pgcdc.autoconfigure.metrics;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcStreamLifecycle;
import dev.pgcdc.autoconfigure.CdcStreamStateChangedEvent;
import dev.pgcdc.replication.StreamState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class CdcMetricsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, CdcMetricsAutoConfiguration.class,
				JacksonAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false");

	@Test
	void metersWithBootsMeterRegistry() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(CdcMeterBinder.class);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("cdc.lag.bytes").gauge().value()).isNaN();
				assertThat(registry.get("cdc.lag.time").timeGauge().value()).isNaN();
				assertThat(registry.get("cdc.reconnects").counter().count()).isZero();
				CdcStreamLifecycle lifecycle = context.getBean(CdcStreamLifecycle.class);
				context.publishEvent(new CdcStreamStateChangedEvent(lifecycle, StreamState.STREAMING,
						StreamState.RECONNECTING, null));
				context.publishEvent(new CdcStreamStateChangedEvent(lifecycle, StreamState.RECONNECTING,
						StreamState.STREAMING, null));
				assertThat(registry.get("cdc.reconnects").counter().count()).isEqualTo(1);
			});
	}

	@Test
	void metersWithAUserMeterRegistry() {
		this.contextRunner.withBean(SimpleMeterRegistry.class)
			.run((context) -> assertThat(context).hasSingleBean(CdcMeterBinder.class));
	}

	@Test
	void noMetersWithoutMeterRegistry() {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(CdcMeterBinder.class));
	}

	@Test
	void noMetersWhenCdcIsDisabled() {
		this.contextRunner.withBean(SimpleMeterRegistry.class)
			.withPropertyValues("cdc.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(CdcMeterBinder.class));
	}

	@Test
	void starterWorksWithoutMicrometer() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("io.micrometer.core")).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(CdcMeterBinder.class);
			assertThat(context).hasSingleBean(CdcSubscriptions.class);
		});
	}

}
