package dev.pgcdc.annotation;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgcdc.dispatch.HandlerDefinition;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.TableName;
import dev.pgcdc.filter.EventFilter;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.framework.autoproxy.AutoProxyUtils;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.annotation.Order;
import org.springframework.core.annotation.OrderUtils;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * Finds {@link OnEvent} (and the composed {@link OnInsert}, {@link OnUpdate},
 * {@link OnDelete}, {@link OnTruncate}, {@link OnSnapshot}) and {@link OnMessage} methods on beans and registers
 * them with the {@link HandlerRegistry} bean once all singletons exist. Register it as a
 * {@code static} bean; it has no constructor dependencies.
 * <p>
 * Placeholders ({@code ${...}}) in tables, prefixes and ids are resolved. {@code @Order} on
 * the method, or else the bean's order, sorts handlers; methods of one bean register in name
 * order so the order is the same on every run. Lazy singleton beans that declare handlers
 * are initialized at start-up, since their handlers must be known before streaming begins.
 * Handlers on non-singleton beans, unparsable filters or tables and unservable signatures
 * fail start-up with a message naming the bean, the method and the fix.
 */
public class CdcHandlerAnnotationBeanPostProcessor
		implements BeanPostProcessor, SmartInitializingSingleton, BeanFactoryAware, Ordered {

	private static final Logger logger = LoggerFactory.getLogger(CdcHandlerAnnotationBeanPostProcessor.class);

	private static final Comparator<Method> METHOD_ORDER = Comparator.comparing(Method::getName)
		.thenComparing((method) -> Arrays.toString(method.getParameterTypes()));

	private final Set<Class<?>> nonAnnotatedClasses = ConcurrentHashMap.newKeySet();

	private final List<Discovered> pending = new ArrayList<>();

	private @Nullable ConfigurableListableBeanFactory beanFactory;

	private @Nullable HandlerRegistry registry;

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		Assert.isInstanceOf(ConfigurableListableBeanFactory.class, beanFactory,
				"CdcHandlerAnnotationBeanPostProcessor needs a ConfigurableListableBeanFactory");
		this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
	}

	@Override
	public int getOrder() {
		return LOWEST_PRECEDENCE;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof AopInfrastructureBean) {
			return bean;
		}
		Class<?> targetClass = AopUtils.getTargetClass(bean);
		if (this.nonAnnotatedClasses.contains(targetClass)) {
			return bean;
		}
		Map<Method, HandlerAnnotation> methods = findHandlerMethods(targetClass);
		if (methods.isEmpty()) {
			this.nonAnnotatedClasses.add(targetClass);
			return bean;
		}
		checkSingleton(beanName, methods.keySet().iterator().next());
		Discovered discovered = new Discovered(beanName, bean, targetClass, methods);
		HandlerRegistry registry;
		synchronized (this.pending) {
			registry = this.registry;
			if (registry == null) {
				this.pending.add(discovered);
				return bean;
			}
		}
		// a bean created after start-up: its handlers work, but its tables were not subscribed then
		for (HandlerDefinition definition : define(discovered, bean)) {
			register(registry, definition);
			if (!definition.tables().isEmpty()) {
				logger.warn("CDC handler {} was created after start-up; its tables {} are only streamed if already"
						+ " subscribed", definition.description(), definition.tables());
			}
		}
		return bean;
	}

	/**
	 * Definitions for the handlers of one bean, invoked on the bean as exposed (the proxy, if
	 * any), in method name order.
	 */
	private List<HandlerDefinition> define(Discovered discovered, Object exposed) {
		List<Map.Entry<Method, HandlerAnnotation>> sorted = new ArrayList<>(discovered.methods().entrySet());
		sorted.sort(Map.Entry.comparingByKey(METHOD_ORDER));
		List<HandlerDefinition> definitions = new ArrayList<>();
		for (Map.Entry<Method, HandlerAnnotation> entry : sorted) {
			Method method = entry.getKey();
			Method invocable = AopUtils.selectInvocableMethod(method, exposed.getClass());
			definitions.add(define(exposed, discovered.beanName(), discovered.targetClass(), method, invocable,
					entry.getValue()));
		}
		return definitions;
	}

	private static Map<Method, HandlerAnnotation> findHandlerMethods(Class<?> targetClass) {
		if (!AnnotationUtils.isCandidateClass(targetClass, List.of(OnEvent.class, OnMessage.class))) {
			return Map.of();
		}
		return MethodIntrospector.selectMethods(targetClass, (MethodIntrospector.MetadataLookup<HandlerAnnotation>) (
				method) -> {
			OnEvent onEvent = AnnotatedElementUtils.findMergedAnnotation(method, OnEvent.class);
			OnMessage onMessage = AnnotatedElementUtils.findMergedAnnotation(method, OnMessage.class);
			return (onEvent != null || onMessage != null) ? new HandlerAnnotation(onEvent, onMessage) : null;
		});
	}

	private void checkSingleton(String beanName, Method method) {
		ConfigurableListableBeanFactory factory = beanFactory();
		if (factory.containsBeanDefinition(beanName) && !factory.getMergedBeanDefinition(beanName).isSingleton()
				&& !ScopedProxyUtils.isScopedTarget(beanName)) {
			throw new BeanInitializationException("CDC handler " + HandlerDefinition.describe(beanName, method)
					+ " is on a non-singleton bean: handlers need a singleton bean, remove the bean's @Scope");
		}
	}

	private HandlerDefinition define(Object bean, String beanName, Class<?> targetClass, Method method,
			Method invocable, HandlerAnnotation annotation) {
		String description = HandlerDefinition.describe(beanName, method);
		try {
			if (annotation.onEvent() != null && annotation.onMessage() != null) {
				throw new IllegalArgumentException("it has both @OnEvent (or @OnInsert...) and @OnMessage; keep one");
			}
			int order = order(bean, targetClass, method);
			if (annotation.onMessage() != null) {
				OnMessage onMessage = annotation.onMessage();
				String id = id(onMessage.id(), beanName, method);
				return new HandlerDefinition(id, beanName, bean, invocable, order, Set.of(), EventFilter.acceptAll(),
						resolve(onMessage.prefix()));
			}
			OnEvent onEvent = Objects.requireNonNull(annotation.onEvent(), "neither @OnEvent nor @OnMessage");
			Set<TableName> tables = new LinkedHashSet<>();
			for (String table : onEvent.table()) {
				tables.add(table(table));
			}
			EventFilter filter = EventFilter.of(Arrays.asList(onEvent.operations()),
					Arrays.asList(onEvent.unwatchedRecords()), Arrays.asList(onEvent.unwatchedFields()),
					onEvent.condition());
			return new HandlerDefinition(id(onEvent.id(), beanName, method), beanName, bean, invocable, order, tables,
					filter, null);
		}
		catch (IllegalArgumentException ex) {
			String message = ex.getMessage();
			throw new BeanInitializationException((message != null && message.startsWith("Invalid CDC handler"))
					? message : "Invalid CDC handler " + description + ": " + message, ex);
		}
	}

	private TableName table(String value) {
		String resolved = resolve(value);
		if (!StringUtils.hasText(resolved)) {
			throw new IllegalArgumentException("table '" + value + "' is empty once resolved: name a table, as in"
					+ " table = \"users\" or \"sales.orders\"");
		}
		return TableName.parse(resolved);
	}

	private String id(String id, String beanName, Method method) {
		return StringUtils.hasText(id) ? resolve(id) : beanName + "." + method.getName();
	}

	private String resolve(String value) {
		String resolved = beanFactory().resolveEmbeddedValue(value);
		return (resolved != null) ? resolved : value;
	}

	private static int order(Object bean, Class<?> targetClass, Method method) {
		Order order = AnnotatedElementUtils.findMergedAnnotation(method, Order.class);
		if (order != null) {
			return order.value();
		}
		if (bean instanceof Ordered ordered) {
			return ordered.getOrder();
		}
		return OrderUtils.getOrder(targetClass, Ordered.LOWEST_PRECEDENCE);
	}

	@Override
	public void afterSingletonsInstantiated() {
		ConfigurableListableBeanFactory factory = beanFactory();
		initializeLazyHandlerBeans(factory);
		HandlerRegistry registry = factory.getBeanProvider(HandlerRegistry.class).getIfAvailable();
		synchronized (this.pending) {
			if (registry == null) {
				if (!this.pending.isEmpty()) {
					throw new IllegalStateException("CDC handlers were found (on bean '" + this.pending.get(0).beanName()
							+ "'...) but there is no HandlerRegistry bean: enable the starter (cdc.enabled=true) or"
							+ " define one");
				}
				return;
			}
			int count = 0;
			for (Discovered discovered : this.pending) {
				// the bean as finally exposed: post-processors after this one may have proxied it
				Object exposed = factory.containsSingleton(discovered.beanName())
						? factory.getBean(discovered.beanName()) : discovered.bean();
				for (HandlerDefinition definition : define(discovered, exposed)) {
					register(registry, definition);
					count++;
				}
			}
			logger.debug("Registered {} CDC handler(s)", count);
			this.pending.clear();
			this.registry = registry;
		}
	}

	private static void register(HandlerRegistry registry, HandlerDefinition definition) {
		try {
			registry.register(definition);
		}
		catch (IllegalArgumentException ex) {
			throw new BeanInitializationException(String.valueOf(ex.getMessage()), ex);
		}
	}

	/**
	 * Lazy beans are not created by the time singletons are instantiated, yet their handlers
	 * must not be silently missing: create those that declare handlers now.
	 */
	private void initializeLazyHandlerBeans(ConfigurableListableBeanFactory factory) {
		for (String beanName : factory.getBeanDefinitionNames()) {
			if (ScopedProxyUtils.isScopedTarget(beanName) || factory.containsSingleton(beanName)) {
				continue;
			}
			BeanDefinition definition = factory.getMergedBeanDefinition(beanName);
			if (definition.isAbstract()) {
				continue;
			}
			Class<?> type = AutoProxyUtils.determineTargetClass(factory, beanName);
			if (type == null || this.nonAnnotatedClasses.contains(type)) {
				continue;
			}
			Map<Method, HandlerAnnotation> methods = findHandlerMethods(type);
			if (methods.isEmpty()) {
				continue;
			}
			checkSingleton(beanName, methods.keySet().iterator().next());
			logger.debug("Initializing lazy bean '{}' because it declares CDC handlers", beanName);
			factory.getBean(beanName);
		}
	}

	private ConfigurableListableBeanFactory beanFactory() {
		Assert.state(this.beanFactory != null, "BeanFactory not set");
		return this.beanFactory;
	}

	private record Discovered(String beanName, Object bean, Class<?> targetClass,
			Map<Method, HandlerAnnotation> methods) {
	}

	private record HandlerAnnotation(@Nullable OnEvent onEvent, @Nullable OnMessage onMessage) {
	}

}
