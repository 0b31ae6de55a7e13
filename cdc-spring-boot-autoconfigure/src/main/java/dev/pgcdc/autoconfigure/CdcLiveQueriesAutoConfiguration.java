package dev.pgcdc.autoconfigure;

import java.time.Duration;

import javax.sql.DataSource;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.live.LiveQueries;
import dev.pgcdc.live.LiveQueryOptions;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.util.StringUtils;

/**
 * Auto-configuration of {@link LiveQueries} on the application's change stream: its changes
 * are routed to the live queries before the handlers see them, and catch-up queries run on the
 * application's {@code DataSource} (with its rights), or on a connection of {@code cdc.url}
 * when that is set or the application has no single {@code DataSource}.
 */
@AutoConfiguration(after = CdcAutoConfiguration.class)
@ConditionalOnClass(LiveQueries.class)
@ConditionalOnBean({ CdcSubscriptions.class, CdcStreamLifecycle.class })
public final class CdcLiveQueriesAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LiveQueries cdcLiveQueries(CdcProperties properties, CdcSubscriptions subscriptions, CdcStreamLifecycle lifecycle,
			ObjectProvider<DataSource> dataSources) {
		LiveQueries live = new LiveQueries(dataSource(properties, lifecycle, dataSources), subscriptions,
				options(properties.getLive()));
		lifecycle.streamFactory().attach(live::attach);
		return live;
	}

	private static DataSource dataSource(CdcProperties properties, CdcStreamLifecycle lifecycle,
			ObjectProvider<DataSource> dataSources) {
		DataSource application = dataSources.getIfUnique();
		if (application != null && !StringUtils.hasText(properties.getUrl())) {
			return application;
		}
		CdcStreamFactory.Connection connection = lifecycle.streamFactory().connection();
		PGSimpleDataSource dataSource = new PGSimpleDataSource();
		dataSource.setUrl(connection.url());
		if (connection.username() != null) {
			dataSource.setUser(connection.username());
		}
		if (connection.password() != null) {
			dataSource.setPassword(connection.password());
		}
		dataSource.setApplicationName("pgcdc live queries");
		return dataSource;
	}

	static LiveQueryOptions options(CdcProperties.Live live) {
		CdcStreamFactory.checkPositive("cdc.live.buffer-size", live.getBufferSize());
		CdcStreamFactory.checkPositive("cdc.live.threads", live.getThreads());
		CdcProperties.Live.Sse sse = live.getSse();
		if (sse.getRetention().isNegative()) {
			throw new InvalidConfigurationPropertyValueException("cdc.live.sse.retention", sse.getRetention(),
					"must not be negative (0 releases a disconnected client at once)");
		}
		if (sse.getRetainedEvents() < 0) {
			throw new InvalidConfigurationPropertyValueException("cdc.live.sse.retained-events", sse.getRetainedEvents(),
					"must not be negative");
		}
		CdcStreamFactory.checkPositive("cdc.live.sse.timeout", sse.getTimeout());
		CdcStreamFactory.checkPositive("cdc.live.sse.heartbeat", sse.getHeartbeat());
		Duration timeout = sse.getTimeout();
		return new LiveQueryOptions(live.getBufferSize(), live.getThreads(), sse.getRetention(), sse.getRetainedEvents(),
				timeout, sse.getHeartbeat());
	}

}
