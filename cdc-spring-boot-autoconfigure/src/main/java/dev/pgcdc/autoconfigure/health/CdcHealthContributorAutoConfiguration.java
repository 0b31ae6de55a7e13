package dev.pgcdc.autoconfigure.health;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcStreamLifecycle;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code cdc} health indicator, when Spring Boot's health support
 * is on the class path and {@code management.health.cdc.enabled} is not {@code false}.
 */
@AutoConfiguration(after = CdcAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(CdcStreamLifecycle.class)
public final class CdcHealthContributorAutoConfiguration {

	// on the method, so the class is only read once the health support is known to be there
	@Bean
	@ConditionalOnEnabledHealthIndicator("cdc")
	@ConditionalOnMissingBean(name = "cdcHealthIndicator")
	CdcHealthIndicator cdcHealthIndicator(CdcStreamLifecycle lifecycle) {
		return new CdcHealthIndicator(lifecycle::getStream, lifecycle::getLag, lifecycle::getSlotHealth);
	}

}
