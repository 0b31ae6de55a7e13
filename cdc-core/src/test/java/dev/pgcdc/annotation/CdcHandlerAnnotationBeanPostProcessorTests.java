package dev.pgcdc.annotation;

import java.util.List;
import java.util.Map;

import dev.pgcdc.dispatch.HandlerMethod;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.annotation.Scope;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.MapPropertySource;
import org.springframework.context.support.PropertySourcesPlaceholderConfigurer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class CdcHandlerAnnotationBeanPostProcessorTests {

	private AnnotationConfigApplicationContext context(Class<?>... classes) {
		AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
		context.getEnvironment()
			.getPropertySources()
			.addFirst(new MapPropertySource("test", Map.of("app.table", "sales.orders", "app.prefix", "audit")));
		context.register(Infrastructure.class);
		for (Class<?> type : classes) {
			if (type.isAnnotationPresent(Configuration.class)) {
				context.register(type);
			}
			else {
				String name = type.getSimpleName();
				context.registerBean(Character.toLowerCase(name.charAt(0)) + name.substring(1), type);
			}
		}
		context.refresh();
		return context;
	}

	private static List<String> ids(AnnotationConfigApplicationContext context) {
		return context.getBean(HandlerRegistry.class).handlers().stream().map(HandlerMethod::id).toList();
	}

	@Test
	void registersEveryAnnotationWithMergedAttributes() {
		try (AnnotationConfigApplicationContext context = context(AllAnnotations.class)) {
			HandlerRegistry registry = context.getBean(HandlerRegistry.class);
			assertThat(ids(context)).containsExactly("allAnnotations.deleted", "allAnnotations.everything",
					"allAnnotations.inserted", "custom-id", "allAnnotations.placeholders", "allAnnotations.truncated",
					"allAnnotations.updated");
			HandlerMethod updated = registry.handler("allAnnotations.updated").orElseThrow();
			assertThat(updated.filter().operations()).containsExactly(Operation.UPDATE);
			assertThat(updated.filter().unwatchedFields()).containsExactly("updated_at");
			assertThat(updated.filter().unwatchedRecords()).hasSize(1);
			assertThat(updated.definition().tables()).containsExactly(TableName.parse("users"));
			assertThat(registry.handler("allAnnotations.everything").orElseThrow().filter().operations())
				.containsExactlyInAnyOrder(Operation.values());
			assertThat(registry.handler("allAnnotations.placeholders").orElseThrow().definition().tables())
				.containsExactly(new TableName("sales", "orders"));
			assertThat(registry.handler("custom-id").orElseThrow().definition().messagePrefix()).isEqualTo("audit");
			assertThat(registry.tables()).containsExactly(TableName.parse("public.users"), new TableName("sales", "orders"));
		}
	}

	@Test
	void ordersByOrderAnnotationThenBeanOrderThenName() {
		try (AnnotationConfigApplicationContext context = context(Ordering.class, OrderedBean.class)) {
			assertThat(ids(context)).containsExactly("ordering.first", "orderedBean.b", "ordering.a", "ordering.c");
		}
	}

	@Test
	void lazyBeansAreInitializedNotDropped() {
		try (AnnotationConfigApplicationContext context = context(LazyConfig.class)) {
			assertThat(ids(context)).containsExactly("lazyHandlers.inserted");
		}
	}

	@Test
	void proxiedBeansAreInvokedThroughTheProxy() {
		try (AnnotationConfigApplicationContext context = context(ProxyConfig.class)) {
			HandlerMethod handler = context.getBean(HandlerRegistry.class).handler("proxied.inserted").orElseThrow();
			assertThat(handler.definition().bean()).isSameAs(context.getBean("proxied"));
			assertThat(handler.definition().method().getDeclaringClass().isInterface()).isTrue();
		}
	}

	@Test
	void badSignaturesFailWithBeanAndMethod() {
		assertThatExceptionOfType(BeansException.class).isThrownBy(() -> context(BadSignature.class))
			.withMessageContaining("bean 'badSignature' method 'handle(String)'")
			.withMessageContaining("use ChangeEvent");
	}

	@Test
	void badSpelFailsWithBeanAndMethod() {
		assertThatExceptionOfType(BeansException.class).isThrownBy(() -> context(BadSpel.class))
			.withMessageContaining("bean 'badSpel' method 'handle(ChangeEvent)'")
			.withMessageContaining("Invalid SpEL condition");
	}

	@Test
	void conditionsUsingWhatTheReadOnlyContextForbidsFailWithBeanMethodAndConstruct() {
		assertThatExceptionOfType(BeansException.class).isThrownBy(() -> context(TypeReferenceCondition.class))
			.withMessageContaining("Invalid CDC handler bean 'typeReferenceCondition' method 'handle(ChangeEvent)'")
			.withMessageContaining("type reference T(java.lang.Runtime) at position 0")
			.withMessageContaining("method call getRuntime() at position 21")
			.withMessageContaining("read columns and properties instead");
		assertThatExceptionOfType(BeansException.class).isThrownBy(() -> context(MethodCallCondition.class))
			.withMessageContaining("bean 'methodCallCondition' method 'changed(ChangeEvent)'")
			.withMessageContaining("method call toUpperCase() at position 13 is not allowed");
	}

	@Test
	void badUnwatchedRecordFailsWithBeanAndMethod() {
		assertThatExceptionOfType(BeansException.class).isThrownBy(() -> context(BadRecord.class))
			.withMessageContaining("bean 'badRecord' method 'handle(ChangeEvent)'")
			.withMessageContaining("Invalid unwatched record 'active'");
	}

	@Test
	void badTableFailsWithBeanAndMethod() {
		assertThatExceptionOfType(BeansException.class).isThrownBy(() -> context(BadTable.class))
			.withMessageContaining("bean 'badTable' method 'handle(ChangeEvent)'")
			.withMessageContaining("not a valid table name");
	}

	@Test
	void prototypeBeansFailClearly() {
		assertThatExceptionOfType(BeansException.class).isThrownBy(() -> context(PrototypeConfig.class))
			.withMessageContaining("bean 'prototypeHandlers'")
			.withMessageContaining("non-singleton");
	}

	@Configuration(proxyBeanMethods = false)
	static class Infrastructure {

		@Bean
		static CdcHandlerAnnotationBeanPostProcessor cdcHandlerAnnotationBeanPostProcessor() {
			return new CdcHandlerAnnotationBeanPostProcessor();
		}

		@Bean
		static PropertySourcesPlaceholderConfigurer placeholders() {
			return new PropertySourcesPlaceholderConfigurer();
		}

		@Bean
		HandlerRegistry handlerRegistry() {
			return new HandlerRegistry();
		}

	}

	static class AllAnnotations {

		@OnInsert("users")
		void inserted(ChangeEvent event) {
		}

		@OnUpdate(table = "users", unwatchedFields = "updated_at", unwatchedRecords = "hidden = true")
		void updated(ChangeEvent event) {
		}

		@OnDelete(table = "users")
		void deleted(List<ChangeEvent> events) {
		}

		@OnTruncate(table = "users")
		void truncated(ChangeEvent event) {
		}

		@OnEvent
		void everything(ChangeEvent event) {
		}

		@OnEvent(table = "${app.table}", condition = "#new['done'] == true")
		void placeholders(Map<String, Object> row) {
		}

		@OnMessage(prefix = "${app.prefix}", id = "custom-id")
		void message(LogicalMessage message) {
		}

	}

	static class Ordering {

		@OnEvent
		void c(ChangeEvent event) {
		}

		@OnEvent
		void a(ChangeEvent event) {
		}

		@Order(1)
		@OnEvent
		void first(ChangeEvent event) {
		}

	}

	@Order(5)
	static class OrderedBean {

		@OnEvent
		void b(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class LazyConfig {

		@Bean
		@Lazy
		LazyHandlers lazyHandlers() {
			return new LazyHandlers();
		}

	}

	static class LazyHandlers {

		@OnInsert("users")
		void inserted(ChangeEvent event) {
		}

	}

	interface Handlers {

		@OnInsert("users")
		void inserted(ChangeEvent event);

	}

	static class ProxiedHandlers implements Handlers {

		@Override
		public void inserted(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ProxyConfig {

		@Bean
		Handlers proxied() {
			return new ProxiedHandlers();
		}

		@Bean
		static BeanPostProcessor proxyingPostProcessor() {
			return new BeanPostProcessor() {
				@Override
				public Object postProcessAfterInitialization(Object bean, String beanName) {
					return (bean instanceof Handlers) ? new ProxyFactory(bean).getProxy() : bean;
				}
			};
		}

	}

	static class BadSignature {

		@OnInsert("users")
		void handle(String text) {
		}

	}

	static class BadSpel {

		@OnInsert(table = "users", condition = "#new['x' ==")
		void handle(ChangeEvent event) {
		}

	}

	static class TypeReferenceCondition {

		@OnInsert(table = "users", condition = "T(java.lang.Runtime).getRuntime() != null")
		void handle(ChangeEvent event) {
		}

	}

	static class MethodCallCondition {

		@OnUpdate(table = "users", condition = "#new['name'].toUpperCase() == 'BOB'")
		void changed(ChangeEvent event) {
		}

	}

	static class BadRecord {

		@OnInsert(table = "users", unwatchedRecords = "active")
		void handle(ChangeEvent event) {
		}

	}

	static class BadTable {

		@OnInsert(table = "not a table")
		void handle(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PrototypeConfig {

		@Bean
		@Scope("prototype")
		LazyHandlers prototypeHandlers() {
			return new LazyHandlers();
		}

	}

}
