package dev.pgcdc.autoconfigure.metrics;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.EventPosition;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Source;
import dev.pgcdc.event.TransactionBatch;
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
				assertThat(registry.get("cdc.slot.retained.bytes").gauge().value()).isNaN();
				// the stream's own count (StreamStatus.reconnects), the endpoint's number: none without a stream
				assertThat(registry.get("cdc.reconnects").functionCounter().count()).isZero();
			});
	}

	@Test
	void countsEventsPerTableAndOperationAndTimesHandlerCallsPerOutcome() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.withUserConfiguration(Handlers.class)
			.withPropertyValues("cdc.retry.max-retries=0", "cdc.error-policy=skip")
			.run((context) -> {
				HandlerMulticaster dispatcher = context.getBean(HandlerMulticaster.class);
				dispatcher.handle(new TransactionBatch(1, "0/1", Instant.EPOCH, List.of(event("users", Operation.INSERT, 1),
						event("users", Operation.INSERT, 2), event("todos", Operation.INSERT, 3),
						event("users", Operation.DELETE, 1)), true, true));
				dispatcher.handle(new TransactionBatch(2, "0/2", Instant.EPOCH,
						List.of(event("users", Operation.INSERT, 4)), true, true));
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("cdc.events").tags("table", "public.users", "operation", "INSERT").counter().count())
					.isEqualTo(3);
				assertThat(registry.get("cdc.events").tags("table", "public.users", "operation", "DELETE").counter().count())
					.isEqualTo(1);
				assertThat(registry.get("cdc.events").tags("table", "public.todos", "operation", "INSERT").counter().count())
					.isEqualTo(1);
				assertThat(registry.find("cdc.events").tags("operation", "UPDATE").counter()).isNull();
				assertThat(registry.get("cdc.handler.duration").tags("handler", "inserted", "outcome", "success").timer()
					.count()).isEqualTo(2);
				assertThat(registry.get("cdc.handler.duration").tags("handler", "inserted", "outcome", "error").timer()
					.count()).isEqualTo(1);
			});
	}

	static ChangeEvent event(String table, Operation operation, int id) {
		Source source = new Source(Source.NAME, "17", "db", "public", table, Map.of("id", "int4"));
		Map<String, Object> row = Map.of("id", id);
		return ChangeEvent.of(operation, source, (operation != Operation.DELETE) ? row : null,
				(operation == Operation.DELETE) ? row : null, Set.of(), Instant.EPOCH, "0/1", 1, EventPosition.of(1, 0));
	}

	static class Handlers {

		@OnInsert(table = "users", id = "inserted")
		void inserted(ChangeEvent event) {
			if (event.newRecord().get("id").equals(2)) {
				throw new IllegalStateException("two");
			}
		}

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
