package dev.pgcdc.sample.postgres;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.event.SmartApplicationListener;

/**
 * Ties the embedded server to the application context: it is registered as the context's
 * first disposable bean, so it is destroyed last, after the change stream and the connection
 * pool have let go of it; and it is stopped at once when the application fails to start.
 */
final class EmbeddedPostgresShutdown implements SmartApplicationListener {

	private static final String BEAN_NAME = "embeddedPostgresServer";

	private final EmbeddedPostgresServer server;

	EmbeddedPostgresShutdown(EmbeddedPostgresServer server) {
		this.server = server;
	}

	@Override
	public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
		return ApplicationPreparedEvent.class.isAssignableFrom(eventType)
				|| ApplicationFailedEvent.class.isAssignableFrom(eventType);
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (event instanceof ApplicationPreparedEvent prepared) {
			ConfigurableListableBeanFactory beanFactory = prepared.getApplicationContext().getBeanFactory();
			if (!beanFactory.containsSingleton(BEAN_NAME) && beanFactory instanceof DefaultSingletonBeanRegistry registry) {
				beanFactory.registerSingleton(BEAN_NAME, this.server);
				registry.registerDisposableBean(BEAN_NAME, (DisposableBean) this.server::close);
			}
		}
		else if (event instanceof ApplicationFailedEvent) {
			this.server.close();
		}
	}

}
