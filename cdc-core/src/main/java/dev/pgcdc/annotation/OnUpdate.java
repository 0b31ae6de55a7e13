package dev.pgcdc.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.pgcdc.event.Operation;
import org.springframework.core.annotation.AliasFor;

/**
 * Handles UPDATEs (WalEx's {@code on_update}).
 * Shortcut for {@code @OnEvent(operations = Operation.UPDATE)}.
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@OnEvent(operations = Operation.UPDATE)
public @interface OnUpdate {

	/**
	 * Alias for {@link OnEvent#table()}.
	 * @return the tables
	 */
	@AliasFor(annotation = OnEvent.class)
	String[] value() default {};

	/**
	 * Alias for {@link OnEvent#table()}.
	 * @return the tables
	 */
	@AliasFor(annotation = OnEvent.class)
	String[] table() default {};

	/**
	 * Alias for {@link OnEvent#unwatchedRecords()}.
	 * @return the unwatched records
	 */
	@AliasFor(annotation = OnEvent.class)
	String[] unwatchedRecords() default {};

	/**
	 * Alias for {@link OnEvent#unwatchedFields()}.
	 * @return the unwatched fields
	 */
	@AliasFor(annotation = OnEvent.class)
	String[] unwatchedFields() default {};

	/**
	 * Alias for {@link OnEvent#condition()}.
	 * @return the condition
	 */
	@AliasFor(annotation = OnEvent.class)
	String condition() default "";

	/**
	 * Alias for {@link OnEvent#id()}.
	 * @return the id
	 */
	@AliasFor(annotation = OnEvent.class)
	String id() default "";

}
