package dev.pgcdc.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.pgcdc.event.Operation;
import org.springframework.core.annotation.AliasFor;

/**
 * Handles the rows read by a snapshot (initial or incremental): {@code SNAPSHOT} events, whose
 * {@code newRecord()} is the row as it was read. Shortcut for
 * {@code @OnEvent(operations = Operation.SNAPSHOT)}. {@code List<ChangeEvent>} handlers receive
 * the rows in bounded chunks.
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@OnEvent(operations = Operation.SNAPSHOT)
public @interface OnSnapshot {

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
