package dev.pgcdc.autoconfigure.endpoint;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.replication.StreamState;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class CdcEndpointAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, CdcEndpointAutoConfiguration.class,
				EndpointAutoConfiguration.class, JacksonAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false");

	@Test
	void endpointWhenExposed() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=cdc").run((context) -> {
			assertThat(context).hasSingleBean(CdcEndpoint.class);
			CdcEndpoint.CdcDescriptor status = context.getBean(CdcEndpoint.class).status();
			assertThat(status.state()).isEqualTo(StreamState.STOPPED);
			assertThat(status.lag().bytes()).isNull();
		});
	}

	@Test
	void noEndpointWhenNotExposed() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(CdcEndpoint.class));
	}

	@Test
	void noEndpointWhenAccessIsNone() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=cdc", "management.endpoint.cdc.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(CdcEndpoint.class));
	}

	@Test
	void noEndpointWhenCdcIsDisabled() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=cdc", "cdc.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(CdcEndpoint.class));
	}

	@Test
	void starterWorksWithoutActuator() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=cdc")
			.withClassLoader(new FilteredClassLoader(ConditionalOnAvailableEndpoint.class))
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(CdcEndpoint.class);
				assertThat(context).hasSingleBean(CdcSubscriptions.class);
			});
	}

}
