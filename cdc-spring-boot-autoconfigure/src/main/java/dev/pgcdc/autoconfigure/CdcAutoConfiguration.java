package dev.pgcdc.autoconfigure;

import java.util.List;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.annotation.CdcHandlerAnnotationBeanPostProcessor;
import dev.pgcdc.dispatch.CdcErrorHandler;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.ErrorPolicy;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.dispatch.RowBinder;
import dev.pgcdc.event.TableName;
import dev.pgcdc.filter.EventFilter;
import dev.pgcdc.offsets.OffsetStore;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.stream.HandlerCallScope;
import org.postgresql.PGConnection;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.retry.RetryPolicy;
import tools.jackson.databind.json.JsonMapper;

/**
 * Auto-configuration of pgcdc: finds the annotated handlers, dispatches to them and runs the
 * change stream with the application. Connects with {@code cdc.url} or, by default, the
 * application's database: its {@code JdbcConnectionDetails} bean ({@code @ServiceConnection},
 * Docker Compose) if any, else {@code spring.datasource.url}. Every bean backs off when the application
 * defines its own. With {@code cdc.offsets.store=jdbc} the handlers run in transactions of the
 * application's {@code PlatformTransactionManager} on its {@code DataSource} (see {@link CdcOffsetStores}).
 */
@AutoConfiguration(after = { DataSourceAutoConfiguration.class, JacksonAutoConfiguration.class })
@ConditionalOnClass({ PGConnection.class, ChangeStream.class })
@ConditionalOnBooleanProperty(name = "cdc.enabled", matchIfMissing = true)
@EnableConfigurationProperties(CdcProperties.class)
public final class CdcAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	static CdcHandlerAnnotationBeanPostProcessor cdcHandlerAnnotationBeanPostProcessor() {
		return new CdcHandlerAnnotationBeanPostProcessor();
	}

	@Bean
	@ConditionalOnMissingBean
	HandlerRegistry cdcHandlerRegistry(CdcProperties properties, ObjectProvider<JsonMapper> jsonMapper) {
		JsonMapper mapper = jsonMapper.getIfUnique();
		HandlerRegistry registry = new HandlerRegistry((mapper != null) ? new RowBinder(mapper) : new RowBinder());
		properties.getTable().forEach((name, table) -> {
			String property = "cdc.table." + name;
			TableName tableName;
			EventFilter filter;
			try {
				tableName = TableName.parse(name);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidConfigurationPropertyValueException(property, name, ex.getMessage());
			}
			try {
				filter = EventFilter.of(List.of(), table.getUnwatchedRecords(), table.getUnwatchedFields(), "");
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidConfigurationPropertyValueException(property + ".unwatched-records",
						table.getUnwatchedRecords(), ex.getMessage());
			}
			if (!filter.isOperationOnly()) {
				registry.setTableFilter(tableName, filter, property);
			}
		});
		return registry;
	}

	@Bean
	@ConditionalOnMissingBean
	HandlerMulticaster cdcDispatcher(CdcProperties properties, HandlerRegistry registry,
			ObjectProvider<CdcErrorHandler> errorHandler) {
		CdcProperties.Retry retry = properties.getRetry();
		if (retry.getMaxRetries() < 0) {
			throw new InvalidConfigurationPropertyValueException("cdc.retry.max-retries", retry.getMaxRetries(),
					"must be 0 (no retries) or more");
		}
		if (retry.getDelay().isNegative()) {
			throw new InvalidConfigurationPropertyValueException("cdc.retry.delay", retry.getDelay(),
					"must not be negative");
		}
		CdcStreamFactory.checkMultiplier("cdc.retry.multiplier", retry.getMultiplier());
		CdcStreamFactory.checkPositive("cdc.retry.max-delay", retry.getMaxDelay());
		CdcStreamFactory.checkNotBelow("cdc.retry.max-delay", retry.getMaxDelay(), "cdc.retry.delay", retry.getDelay());
		RetryPolicy retryPolicy = HandlerMulticaster.retryPolicy(retry.getMaxRetries(), retry.getDelay(), retry.getMultiplier(),
				retry.getMaxDelay());
		ErrorPolicy errorPolicy = properties.getErrorPolicy();
		if (errorPolicy == null) {
			errorPolicy = properties.getSlot().isDurable() ? ErrorPolicy.STOP : ErrorPolicy.SKIP;
		}
		return new HandlerMulticaster(registry, retryPolicy, errorPolicy, errorHandler.getIfUnique());
	}

	@Bean
	@ConditionalOnMissingBean
	CdcStreamLifecycle cdcStreamLifecycle(CdcProperties properties, Environment environment, HandlerRegistry registry,
			HandlerMulticaster dispatcher, ObjectProvider<CdcStreamCustomizer> customizers,
			ApplicationEventPublisher publisher, ConfigurableListableBeanFactory beanFactory) {
		OffsetStore offsetStore = CdcOffsetStores.create(properties.getOffsets(), beanFactory,
				beanFactory.getBeanClassLoader());
		if (offsetStore instanceof HandlerCallScope scope
				&& (properties.getRetry().getMaxRetries() > 0 || dispatcher.errorPolicy() == ErrorPolicy.SKIP)) {
			// each handler call in a savepoint, so a retry or a skip starts from what the call found; without
			// retries, under STOP, a failure rolls the whole transaction back and the savepoints' round trips are saved
			dispatcher.setCallScope(scope);
		}
		CdcStreamFactory factory = new CdcStreamFactory(properties, environment,
				JdbcConnectionDetailsLookup.find(beanFactory, beanFactory.getBeanClassLoader()), registry, dispatcher,
				customizers.orderedStream().toList(), offsetStore);
		return new CdcStreamLifecycle(factory, publisher, properties.isAutoStartup());
	}

	@Bean
	@ConditionalOnMissingBean
	StreamFailureReaction cdcStreamFailureReaction(CdcProperties properties, ApplicationContext context) {
		return new StreamFailureReaction(context, properties.isExitOnFailure(), System::exit);
	}

	@Bean
	@ConditionalOnMissingBean
	CdcSubscriptions cdcSubscriptions(HandlerRegistry registry, CdcStreamLifecycle lifecycle,
			ApplicationEventPublisher publisher) {
		return new CdcSubscriptions(registry, lifecycle::getStream, publisher);
	}

}
