package dev.pgcdc.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.util.ClassUtils;

/**
 * Reads the application's {@link JdbcConnectionDetails} bean (from {@code @ServiceConnection},
 * Docker Compose, or the application), when Spring Boot's JDBC support is on the class path.
 * The type is only touched in a nested class, so this loads without it.
 */
final class JdbcConnectionDetailsLookup {

	private static final Logger logger = LoggerFactory.getLogger(JdbcConnectionDetailsLookup.class);

	private static final String DETAILS_CLASS = "org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails";

	private JdbcConnectionDetailsLookup() {
	}

	/**
	 * @param beanFactory the bean factory
	 * @param classLoader the application's class loader
	 * @return the details, {@code null} when there is no unique bean or it gives no URL
	 */
	static CdcStreamFactory.@Nullable Details find(BeanFactory beanFactory, @Nullable ClassLoader classLoader) {
		if (!ClassUtils.isPresent(DETAILS_CLASS, classLoader)) {
			return null;
		}
		return Reader.read(beanFactory);
	}

	private static final class Reader {

		static CdcStreamFactory.@Nullable Details read(BeanFactory beanFactory) {
			JdbcConnectionDetails details = beanFactory.getBeanProvider(JdbcConnectionDetails.class).getIfUnique();
			if (details == null) {
				return null;
			}
			try {
				String url = details.getJdbcUrl();
				return (url != null) ? new CdcStreamFactory.Details(url, details.getUsername(), details.getPassword())
						: null;
			}
			catch (RuntimeException ex) {
				// Boot's details from spring.datasource.* fail without a URL: fall back to the properties
				logger.debug("No URL from the JdbcConnectionDetails bean", ex);
				return null;
			}
		}

	}

}
