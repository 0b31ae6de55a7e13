package dev.pgcdc.autoconfigure.metrics;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcKafkaAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcLiveQueriesAutoConfiguration;
import dev.pgcdc.live.LiveQueries;
import dev.pgcdc.autoconfigure.CdcStreamLifecycle;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.kafka.KafkaRelay;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of the {@code cdc.*} Micrometer meters, when Micrometer is on the class
 * path and the application has a {@link MeterRegistry}.
 */
@AutoConfiguration(after = { CdcAutoConfiguration.class, CdcLiveQueriesAutoConfiguration.class, CdcKafkaAutoConfiguration.class,
		MetricsAutoConfiguration.class,
		CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, HandlerMulticaster.class, CdcStreamLifecycle.class })
public final class CdcMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	CdcMeterBinder cdcMeterBinder(HandlerMulticaster dispatcher, CdcStreamLifecycle lifecycle) {
		return new CdcMeterBinder(dispatcher, lifecycle::getLag, lifecycle::getReconnects, lifecycle::getSlotHealth);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(LiveQueries.class)
	LiveQueriesMeterBinder cdcLiveQueriesMeterBinder(LiveQueries liveQueries) {
		return new LiveQueriesMeterBinder(liveQueries);
	}

	/** The relay's meters, when cdc-kafka is on the class path and the relay is enabled. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(KafkaRelay.class)
	static final class KafkaRelayMeters {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnBean(KafkaRelay.class)
		KafkaRelayMeterBinder cdcKafkaRelayMeterBinder(KafkaRelay relay) {
			return new KafkaRelayMeterBinder(relay);
		}

	}

}
