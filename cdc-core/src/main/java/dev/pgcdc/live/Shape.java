package dev.pgcdc.live;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

import dev.pgcdc.event.TableName;
import org.jspecify.annotations.Nullable;

/**
 * What a live query follows: the rows of one table matching equality, {@code IN} and
 * {@code IS NULL} conditions (ANDed), projected to some columns. Immutable: every method
 * returns a new shape. Built by the application on the server, never from client SQL; columns
 * and values are checked against the catalog when the shape is subscribed, and values are
 * bound as parameters.
 * <pre>{@code
 * Shape.of("todos").where("user_id", 42).columns("id", "title", "done")
 * Shape.of("todos").where("id", 7)                       // one record
 * Shape.of("todos").whereIn("user_id", List.of(1, 2)).onChangeOf("done")
 * }</pre>
 */
public final class Shape {

	private final TableName table;

	private final List<Condition> conditions;

	private final List<String> columns;

	private final List<String> triggers;

	private Shape(TableName table, List<Condition> conditions, List<String> columns, List<String> triggers) {
		this.table = table;
		this.conditions = conditions;
		this.columns = columns;
		this.triggers = triggers;
	}

	/**
	 * @param table a table name ({@code todos}, {@code sales.orders}, {@code "Mixed Case"})
	 * @return every row of the table, every column
	 * @throws IllegalArgumentException if the name is not a valid table name
	 */
	public static Shape of(String table) {
		return new Shape(TableName.parse(table), List.of(), List.of(), List.of());
	}

	/**
	 * @param column a column
	 * @param value the value it must equal (a value of the column's Java type, see docs)
	 * @return a shape with this condition added
	 * @throws IllegalArgumentException if the value is {@code null} (use {@link #whereNull})
	 */
	public Shape where(String column, Object value) {
		if (value == null) {
			throw new IllegalArgumentException("where(\"" + column + "\", null) matches no row in SQL: use whereNull(\""
					+ column + "\")");
		}
		return with(new Condition(Condition.Kind.EQUALS, column(column), List.of(value)));
	}

	/**
	 * @param column a column
	 * @param values the values it may equal; empty matches no row
	 * @return a shape with this condition added
	 * @throws IllegalArgumentException if a value is {@code null}
	 */
	public Shape whereIn(String column, Collection<?> values) {
		Objects.requireNonNull(values, "values");
		List<Object> copy = new ArrayList<>(values.size());
		for (Object value : values) {
			if (value == null) {
				throw new IllegalArgumentException("whereIn(\"" + column + "\", ...) with a null value: use whereNull");
			}
			copy.add(value);
		}
		return with(new Condition(Condition.Kind.IN, column(column), Collections.unmodifiableList(copy)));
	}

	/**
	 * @param column a column
	 * @return a shape with the condition {@code column IS NULL} added
	 */
	public Shape whereNull(String column) {
		return with(new Condition(Condition.Kind.IS_NULL, column(column), List.of()));
	}

	/**
	 * @param columns the columns to deliver (the primary key is always included); none means all
	 * @return a shape with this projection
	 */
	public Shape columns(String... columns) {
		return new Shape(this.table, this.conditions, names(columns), this.triggers);
	}

	/**
	 * EctoWatch's trigger columns: an update of a row that stays in the shape is delivered only
	 * when it changes one of these. Rows entering or leaving the shape are always delivered.
	 * @param columns the trigger columns; none means any delivered column
	 * @return a shape with these trigger columns
	 */
	public Shape onChangeOf(String... columns) {
		return new Shape(this.table, this.conditions, this.columns, names(columns));
	}

	/** @return the table */
	public TableName table() {
		return this.table;
	}

	/** @return the projection, empty for every column */
	public List<String> columns() {
		return this.columns;
	}

	/** @return the trigger columns, empty for any */
	public List<String> triggers() {
		return this.triggers;
	}

	List<Condition> conditions() {
		return this.conditions;
	}

	private Shape with(Condition condition) {
		List<Condition> conditions = new ArrayList<>(this.conditions);
		conditions.add(condition);
		return new Shape(this.table, List.copyOf(conditions), this.columns, this.triggers);
	}

	private static String column(String column) {
		if (column == null || column.isEmpty()) {
			throw new IllegalArgumentException("A shape's column name must not be empty");
		}
		return column;
	}

	private static List<String> names(String... columns) {
		Set<String> names = new LinkedHashSet<>();
		for (String column : columns) {
			names.add(column(column));
		}
		return List.copyOf(names);
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return this == other || (other instanceof Shape shape && this.table.equals(shape.table)
				&& this.conditions.equals(shape.conditions) && this.columns.equals(shape.columns)
				&& this.triggers.equals(shape.triggers));
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.table, this.conditions, this.columns, this.triggers);
	}

	/** @return the shape without its values (which may identify a user): {@code todos where user_id = ?} */
	@Override
	public String toString() {
		StringJoiner text = new StringJoiner(" and ", this.table + (this.conditions.isEmpty() ? "" : " where "), "");
		for (Condition condition : this.conditions) {
			text.add(switch (condition.kind()) {
				case EQUALS -> condition.column() + " = ?";
				case IN -> condition.column() + " in (" + condition.values().size() + " values)";
				case IS_NULL -> condition.column() + " is null";
			});
		}
		return text.toString() + (this.columns.isEmpty() ? "" : " columns " + this.columns)
				+ (this.triggers.isEmpty() ? "" : " on change of " + this.triggers);
	}

	/** One condition of a shape, as given (checked and normalized by {@link ShapePlan}). */
	record Condition(Kind kind, String column, List<Object> values) {

		enum Kind {

			EQUALS, IN, IS_NULL

		}

	}

}
