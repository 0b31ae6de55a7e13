package dev.pgcdc.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Handles messages written with {@code pg_logical_emit_message(transactional, prefix,
 * content)} whose prefix equals {@link #prefix()}. Transactional messages arrive in WAL order
 * with the row changes of their transaction. Parameters: {@code LogicalMessage}, or a class,
 * record, {@code Map} or {@code String} bound from the content (JSON for classes and maps).
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface OnMessage {

	/**
	 * Alias for {@link #prefix()}.
	 * @return the prefix
	 */
	@AliasFor("prefix")
	String value() default "";

	/**
	 * The message prefix to handle; empty for every prefix. Property placeholders resolve.
	 * @return the prefix
	 */
	@AliasFor("value")
	String prefix() default "";

	/**
	 * The handler id for the endpoint and metrics; {@code beanName.methodName} by default.
	 * @return the id
	 */
	String id() default "";

}
