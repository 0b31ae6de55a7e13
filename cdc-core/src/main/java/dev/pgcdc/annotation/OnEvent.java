package dev.pgcdc.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.pgcdc.event.Operation;
import org.springframework.core.annotation.AliasFor;

/**
 * Marks a bean method as a handler of row changes (WalEx's {@code on_event}). With no
 * {@link #table()} it sees every subscribed table; with no {@link #operations()} every
 * operation, SNAPSHOT included. {@link OnInsert}, {@link OnUpdate}, {@link OnDelete}, {@link OnTruncate}
 * and {@link OnSnapshot} are
 * this annotation with a fixed operation.
 * <p>
 * Parameters are resolved by type: {@code ChangeEvent}, {@code List<ChangeEvent>} (the
 * matching events of one transaction chunk, called once per chunk after every per-event
 * handler of it, whatever the {@code @Order}), {@code Map<String, Object>} (the row) or any
 * other class or record (the row bound with Jackson, {@code snake_case} to camelCase).
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface OnEvent {

	/**
	 * Alias for {@link #table()}.
	 * @return the tables
	 */
	@AliasFor("table")
	String[] value() default {};

	/**
	 * Tables to watch: {@code "users"} (schema {@code public}), {@code "sales.orders"}, or
	 * none for every subscribed table. Property placeholders resolve.
	 * @return the tables
	 */
	@AliasFor("value")
	String[] table() default {};

	/**
	 * Operations to handle; none means all of them.
	 * @return the operations
	 */
	Operation[] operations() default {};

	/**
	 * Records to skip, each {@code column = literal}, {@code column != literal},
	 * {@code column is null} or {@code column is not null}. The record tested is the new row,
	 * or the old row for DELETE.
	 * @return the unwatched records
	 */
	String[] unwatchedRecords() default {};

	/**
	 * Columns whose changes alone do not interest this handler: an UPDATE that changed only
	 * these columns is skipped.
	 * @return the unwatched fields
	 */
	String[] unwatchedFields() default {};

	/**
	 * A SpEL condition; the handler runs only when it is true. Variables: {@code #event},
	 * {@code #new}, {@code #old}, {@code #table}, {@code #op}.
	 * @return the condition
	 */
	String condition() default "";

	/**
	 * The handler id for the endpoint and metrics; {@code beanName.methodName} by default.
	 * @return the id
	 */
	String id() default "";

}
