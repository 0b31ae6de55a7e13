package dev.pgcdc.filter;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * One {@code unwatchedRecords} entry (WalEx's {@code unwatched_records}): a test on one column
 * of a row, written {@code column = literal}, {@code column != literal},
 * {@code column is null} or {@code column is not null}.
 * <p>
 * Literals are numbers ({@code 5}, {@code -1.5}), single-quoted strings ({@code 'x'}, with
 * {@code ''} for a quote) and {@code true}/{@code false}. They are compared with the decoded
 * Java value sensibly: numbers by numeric value whatever their Java type, booleans with
 * {@code Boolean} values (and with the text {@code true}/{@code false}), strings with the
 * value's text ({@code UUID}, enum labels, dates...). {@code null} equals no literal, so
 * {@code column != literal} matches a null value. A column the row does not carry (a key-only
 * old row, an unchanged TOAST value) never matches, so the event is not skipped for it.
 * <p>
 * The literal is read once, when the entry is parsed: its numeric value (for a string literal
 * too, which compares with numeric values by value) and whether it is an integer that fits a
 * {@code long}, so testing a row compares typed values without parsing anything but a
 * non-integral value.
 */
public final class UnwatchedRecord {

	private static final Pattern NULL_TEST = Pattern.compile("(?i)\\s*(\"[^\"]+\"|[^\\s=!]+)\\s+is\\s+(not\\s+)?null\\s*");

	private static final Pattern COMPARISON = Pattern.compile("\\s*(\"[^\"]+\"|[^\\s=!]+)\\s*(=|!=|<>)\\s*(.+?)\\s*");

	/** How a column is compared. */
	public enum Operator {

		/** {@code column = literal}. */
		EQUALS,
		/** {@code column != literal} (also {@code <>}). */
		NOT_EQUALS,
		/** {@code column is null}. */
		IS_NULL,
		/** {@code column is not null}. */
		IS_NOT_NULL

	}

	private final String column;

	private final Operator operator;

	private final @Nullable Object literal;

	// the literal's numeric value: a number literal, or a string literal that reads as a number
	private final @Nullable BigDecimal number;

	// whether the numeric value is an integer within long range, and then that long
	private final boolean integral;

	private final long integralValue;

	/**
	 * Create an entry.
	 * @param column the column name
	 * @param operator the comparison
	 * @param literal the literal ({@code BigDecimal}, {@code String} or {@code Boolean}),
	 * {@code null} for the null tests
	 */
	public UnwatchedRecord(String column, Operator operator, @Nullable Object literal) {
		this.column = column;
		this.operator = operator;
		this.literal = literal;
		this.number = (literal instanceof BigDecimal decimal) ? decimal
				: (literal instanceof String text) ? decimal(text) : null;
		Long exact = (this.number != null) ? exactLong(this.number) : null;
		this.integral = exact != null;
		this.integralValue = (exact != null) ? exact : 0;
	}

	private static @Nullable Long exactLong(BigDecimal number) {
		try {
			return number.longValueExact();
		}
		catch (ArithmeticException ex) {
			// a fraction, or beyond long: no integral value equals it
			return null;
		}
	}

	/**
	 * Parse an entry.
	 * @param text the entry, for example {@code event_subscribe = false}
	 * @return the parsed entry
	 * @throws IllegalArgumentException naming the entry and the accepted forms
	 */
	public static UnwatchedRecord parse(String text) {
		Matcher nullTest = NULL_TEST.matcher(text);
		if (nullTest.matches()) {
			Operator operator = (nullTest.group(2) != null) ? Operator.IS_NOT_NULL : Operator.IS_NULL;
			return new UnwatchedRecord(column(nullTest.group(1)), operator, null);
		}
		Matcher comparison = COMPARISON.matcher(text);
		if (comparison.matches()) {
			Operator operator = comparison.group(2).equals("=") ? Operator.EQUALS : Operator.NOT_EQUALS;
			return new UnwatchedRecord(column(comparison.group(1)), operator, literal(comparison.group(3), text));
		}
		throw invalid(text, "expected 'column = literal', 'column != literal', 'column is null' or"
				+ " 'column is not null'");
	}

	private static String column(String text) {
		return (text.startsWith("\"")) ? text.substring(1, text.length() - 1) : text;
	}

	private static Object literal(String text, String entry) {
		if (text.length() >= 2 && text.startsWith("'") && text.endsWith("'")) {
			String body = text.substring(1, text.length() - 1);
			if (body.replace("''", "").contains("'")) {
				throw invalid(entry, "double a quote inside a string literal: 'it''s'");
			}
			return body.replace("''", "'");
		}
		if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
			return Boolean.valueOf(text.toLowerCase(Locale.ROOT));
		}
		try {
			return new BigDecimal(text);
		}
		catch (NumberFormatException ex) {
			throw invalid(entry, "the literal " + text + " is not a number, true, false or a 'quoted string'");
		}
	}

	private static IllegalArgumentException invalid(String text, String reason) {
		return new IllegalArgumentException("Invalid unwatched record '" + text + "': " + reason);
	}

	/**
	 * Whether the row matches this entry (and the event should therefore be skipped).
	 * @param row the row tested
	 * @return {@code true} if it matches
	 */
	public boolean matches(Map<String, @Nullable Object> row) {
		if (!row.containsKey(this.column)) {
			return false;
		}
		Object value = row.get(this.column);
		switch (this.operator) {
			case IS_NULL:
				return value == null;
			case IS_NOT_NULL:
				return value != null;
			case EQUALS:
				return value != null && equalsLiteral(value);
			default:
				return value == null || !equalsLiteral(value);
		}
	}

	private boolean equalsLiteral(Object value) {
		Object literal = Objects.requireNonNull(this.literal);
		if (literal instanceof Boolean bool) {
			if (value instanceof Boolean) {
				return value.equals(bool);
			}
			return (value instanceof String text) && text.equalsIgnoreCase(bool.toString());
		}
		if (literal instanceof String text && !(value instanceof Number)) {
			return text.equals(String.valueOf(value));
		}
		// by numeric value: a number literal with any value, a string literal with a number
		BigDecimal number = this.number;
		if (number == null) {
			return false;
		}
		if (isIntegral(value)) {
			// the common case (an id, a flag column): compare as longs, nothing parsed
			return this.integral && ((Number) value).longValue() == this.integralValue;
		}
		BigDecimal decimal = decimal(value);
		return decimal != null && decimal.compareTo(number) == 0;
	}

	private static boolean isIntegral(Object value) {
		return value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte;
	}

	private static @Nullable BigDecimal decimal(Object value) {
		try {
			if (value instanceof BigDecimal decimal) {
				return decimal;
			}
			if (value instanceof Double || value instanceof Float) {
				// the shortest text that reads back, so 1.1f compares equal to 1.1
				return Double.isFinite(((Number) value).doubleValue()) ? new BigDecimal(value.toString()) : null;
			}
			if (value instanceof Number || value instanceof String) {
				return new BigDecimal(value.toString().strip());
			}
		}
		catch (NumberFormatException ex) {
			// not a number: not equal
		}
		return null;
	}

	/** @return the column name */
	public String column() {
		return this.column;
	}

	/** @return the comparison */
	public Operator operator() {
		return this.operator;
	}

	/**
	 * @return the literal ({@code BigDecimal}, {@code String} or {@code Boolean}), {@code null}
	 * for the null tests
	 */
	public @Nullable Object literal() {
		return this.literal;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return (this == other) || (other instanceof UnwatchedRecord that && this.column.equals(that.column)
				&& this.operator == that.operator && Objects.equals(this.literal, that.literal));
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.column, this.operator, this.literal);
	}

	@Override
	public String toString() {
		switch (this.operator) {
			case IS_NULL:
				return this.column + " is null";
			case IS_NOT_NULL:
				return this.column + " is not null";
			default:
				String literal = (this.literal instanceof String text) ? "'" + text.replace("'", "''") + "'"
						: String.valueOf(this.literal);
				return this.column + ((this.operator == Operator.EQUALS) ? " = " : " != ") + literal;
		}
	}

}
