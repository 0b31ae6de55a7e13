package dev.pgcdc.autoconfigure;

import dev.pgcdc.CdcSubscriptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter's auto-configurations, as listed in {@code AutoConfiguration.imports}, with
 * Actuator, Boot's health support and Micrometer all missing from the class path.
 */
class CdcOptionalDependenciesTests {

	@Test
	void everyAutoConfigurationLoadsWithoutActuatorHealthAndMicrometer() {
		new ApplicationContextRunner()
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate",
					"org.springframework.boot.health", "io.micrometer.core", "org.springframework.boot.micrometer"))
			.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class,
					dev.pgcdc.autoconfigure.endpoint.CdcEndpointAutoConfiguration.class,
					dev.pgcdc.autoconfigure.health.CdcHealthContributorAutoConfiguration.class,
					dev.pgcdc.autoconfigure.metrics.CdcMetricsAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false",
					"management.endpoints.web.exposure.include=*")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(CdcSubscriptions.class).hasSingleBean(CdcStreamLifecycle.class);
				assertThat(context.getBeanDefinitionNames()).noneMatch((name) -> name.startsWith("cdcEndpoint")
						|| name.equals("cdcHealthIndicator") || name.equals("cdcMeterBinder"));
			});
	}

}
