package dev.pgcdc.dispatch;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import dev.pgcdc.event.TableName;
import dev.pgcdc.filter.EventFilter;
import org.jspecify.annotations.Nullable;

/**
 * What the annotation post-processor (or a programmatic caller) knows about a handler method
 * before the registry checks its signature.
 *
 * @param id the handler id, unique in the registry
 * @param beanName the bean name, for messages
 * @param bean the bean to invoke the method on
 * @param method the method to invoke (already the invocable one for proxies)
 * @param order the handler's order (lower runs first)
 * @param tables the tables it watches; empty for every subscribed table
 * @param filter the filter, for change handlers
 * @param messagePrefix for an {@code @OnMessage} handler, the prefix ({@code ""} for all);
 * {@code null} for a change handler
 */
public record HandlerDefinition(String id, String beanName, Object bean, Method method, int order, Set<TableName> tables,
		EventFilter filter, @Nullable String messagePrefix) {

	public HandlerDefinition {
		tables = Set.copyOf(tables);
	}

	/** @return whether this is an {@code @OnMessage} handler */
	public boolean isMessageHandler() {
		return this.messagePrefix != null;
	}

	/**
	 * @return {@code bean 'name' method 'method(Param, ...)'}, to name the handler in messages
	 */
	public String description() {
		return describe(this.beanName, this.method);
	}

	/**
	 * Name a bean method in messages.
	 * @param beanName the bean name
	 * @param method the method
	 * @return {@code bean 'name' method 'method(Param, ...)'}
	 */
	public static String describe(String beanName, Method method) {
		String parameters = Arrays.stream(method.getParameterTypes())
			.map(Class::getSimpleName)
			.collect(Collectors.joining(", "));
		return "bean '" + beanName + "' method '" + method.getName() + "(" + parameters + ")'";
	}

}
