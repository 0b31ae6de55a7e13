package dev.pgcdc.autoconfigure;

import javax.sql.DataSource;

import dev.pgcdc.offsets.JdbcOffsetStore;
import dev.pgcdc.offsets.OffsetStore;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.ResourceTransactionManager;
import org.springframework.util.ClassUtils;

/**
 * The offset store {@code cdc.offsets.store} asks for: none for {@code server}; for {@code jdbc} a
 * {@link JdbcOffsetStore} on the application's {@code DataSource} and
 * {@code PlatformTransactionManager} beans, so that handlers using {@code JdbcTemplate} or JPA on
 * it take part in the transaction that also stores the position. What it needs and lacks fails
 * start-up naming the property and the fix.
 */
final class CdcOffsetStores {

	private static final String PROPERTY = "cdc.offsets.store";

	private static final String OR_SERVER = "; or set cdc.offsets.store=server (at-least-once, idempotent handlers)";

	private CdcOffsetStores() {
	}

	/**
	 * @param offsets the properties
	 * @param beanFactory where the DataSource and transaction manager are
	 * @param classLoader the application's class loader
	 * @return the store, or {@code null} for the slot only
	 * @throws InvalidConfigurationPropertyValueException if the jdbc store cannot be set up
	 */
	static @Nullable OffsetStore create(CdcProperties.Offsets offsets, ListableBeanFactory beanFactory,
			@Nullable ClassLoader classLoader) {
		if (offsets.getStore() != CdcProperties.Offsets.Store.JDBC) {
			return null;
		}
		if (!ClassUtils.isPresent("org.springframework.jdbc.core.JdbcTemplate", classLoader)
				|| !ClassUtils.isPresent("org.springframework.transaction.PlatformTransactionManager", classLoader)) {
			throw new InvalidConfigurationPropertyValueException(PROPERTY, "jdbc",
					"the jdbc store runs the handlers in Spring transactions on the application's DataSource, but"
							+ " spring-jdbc is not on the class path: add spring-boot-starter-jdbc (or"
							+ " spring-boot-starter-data-jpa)" + OR_SERVER);
		}
		return Jdbc.create(offsets, beanFactory);
	}

	/** Apart, so that nothing of spring-jdbc or spring-tx is loaded unless the jdbc store is asked for. */
	private static final class Jdbc {

		static OffsetStore create(CdcProperties.Offsets offsets, ListableBeanFactory beanFactory) {
			DataSource dataSource = beanFactory.getBeanProvider(DataSource.class).getIfUnique();
			if (dataSource == null) {
				throw new InvalidConfigurationPropertyValueException(PROPERTY, "jdbc",
						"the jdbc store writes the position to the application's DataSource, but there is no single"
								+ " (or @Primary) DataSource bean: set spring.datasource.url with"
								+ " spring-boot-starter-jdbc, or define a DataSource bean" + OR_SERVER);
			}
			PlatformTransactionManager transactionManager = beanFactory.getBeanProvider(PlatformTransactionManager.class)
				.getIfUnique();
			if (transactionManager == null) {
				throw new InvalidConfigurationPropertyValueException(PROPERTY, "jdbc",
						"the jdbc store runs each transaction's handlers in a Spring transaction, but there is no single"
								+ " (or @Primary) PlatformTransactionManager bean: spring-boot-starter-jdbc (or -data-jpa)"
								+ " auto-configures one for the DataSource, or define one" + OR_SERVER);
			}
			if (transactionManager instanceof ResourceTransactionManager resources
					&& resources.getResourceFactory() instanceof DataSource managed && managed != dataSource) {
				throw new InvalidConfigurationPropertyValueException(PROPERTY, "jdbc",
						"the PlatformTransactionManager manages another DataSource than the application's: the handlers'"
								+ " work and the position would not commit together. Make the DataSource it manages the"
								+ " @Primary one" + OR_SERVER);
			}
			try {
				return new JdbcOffsetStore(transactionManager, dataSource, offsets.getTable());
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidConfigurationPropertyValueException("cdc.offsets.table", offsets.getTable(),
						"use a table name, optionally schema-qualified (pgcdc_offsets, app.pgcdc_offsets, \"Offsets\"): "
								+ ex.getMessage());
			}
		}

	}

}
