package dev.pgcdc.autoconfigure.endpoint;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcLiveQueriesAutoConfiguration;
import dev.pgcdc.live.LiveQueries;
import org.springframework.beans.factory.ObjectProvider;
import dev.pgcdc.autoconfigure.CdcStreamLifecycle;
import dev.pgcdc.dispatch.HandlerRegistry;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code cdc} Actuator endpoint, when Actuator is on the class
 * path and the endpoint is available (exposed and not switched off).
 */
@AutoConfiguration(after = { CdcAutoConfiguration.class, CdcLiveQueriesAutoConfiguration.class })
@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
@ConditionalOnBean({ CdcSubscriptions.class, HandlerRegistry.class, CdcStreamLifecycle.class })
public final class CdcEndpointAutoConfiguration {

	// on the method, so the class is only read once Actuator is known to be there
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint(CdcEndpoint.class)
	CdcEndpoint cdcEndpoint(CdcSubscriptions subscriptions, HandlerRegistry registry, CdcStreamLifecycle lifecycle,
			ObjectProvider<LiveQueries> liveQueries) {
		CdcEndpoint endpoint = new CdcEndpoint(subscriptions, registry, lifecycle::getStream);
		liveQueries.ifAvailable((live) -> endpoint.setLiveQueries(live::status));
		return endpoint;
	}

}
