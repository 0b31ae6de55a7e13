package dev.pgcdc.types;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLXML;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.postgresql.util.PGobject;

/**
 * What pgjdbc returns for a column, asked the way an application would ask: {@code getObject(i)},
 * or {@code getObject(i, X.class)} with the API's java.time class; arrays through
 * {@code getArray()} turned into lists. Differences from our decoders are the point of the
 * fidelity test, so nothing here adapts pgjdbc's answer beyond the container shape.
 */
final class JdbcExpectations {

	private JdbcExpectations() {
	}

	/** @return what pgjdbc returns, or a String describing the exception it throws */
	static Object expectedOrFailure(ResultSet row, int index, String typeName) {
		try {
			return expected(row, index, typeName);
		}
		catch (SQLException | RuntimeException ex) {
			return "pgjdbc fails: " + ex.getMessage();
		}
	}

	static Object expected(ResultSet row, int index, String typeName) throws SQLException {
		switch (typeName) {
			case "date":
				return row.getObject(index, LocalDate.class);
			case "time":
				return row.getObject(index, LocalTime.class);
			case "timetz":
				return row.getObject(index, OffsetTime.class);
			case "timestamp":
				return row.getObject(index, LocalDateTime.class);
			case "timestamptz":
				return row.getObject(index, OffsetDateTime.class);
			default:
		}
		Object value = row.getObject(index);
		if (value instanceof Array) {
			return list(((Array) value).getArray(), typeName);
		}
		return scalar(value);
	}

	private static Object scalar(Object value) throws SQLException {
		if (value instanceof PGobject) {
			PGobject object = (PGobject) value;
			if ("json".equals(object.getType()) || "jsonb".equals(object.getType())) {
				return ScalarDecoders.json(Objects.requireNonNull(object.getValue()));
			}
			return object.getValue();
		}
		if (value instanceof SQLXML) {
			return ((SQLXML) value).getString();
		}
		return value;
	}

	private static List<Object> list(Object array, String typeName) throws SQLException {
		List<Object> list = new ArrayList<>();
		for (Object element : (Object[]) array) {
			if (element != null && element.getClass().isArray() && !(element instanceof byte[])) {
				list.add(list(element, typeName));
			}
			else {
				list.add(arrayElement(element, typeName));
			}
		}
		return list;
	}

	private static Object arrayElement(Object element, String arrayTypeName) throws SQLException {
		// pgjdbc's arrays hold java.sql types; only the container and temporal class are adapted
		if (element instanceof Date) {
			return ((Date) element).toLocalDate();
		}
		if (element instanceof Timestamp) {
			Timestamp timestamp = (Timestamp) element;
			return "_timestamptz".equals(arrayTypeName) ? timestamp.toInstant().atOffset(ZoneOffset.UTC)
					: timestamp.toLocalDateTime();
		}
		return scalar(element);
	}

	/** Deep equality that understands byte arrays inside lists. */
	static boolean same(Object expected, Object actual) {
		if (expected instanceof List && actual instanceof List) {
			List<?> left = (List<?>) expected;
			List<?> right = (List<?>) actual;
			if (left.size() != right.size()) {
				return false;
			}
			for (int i = 0; i < left.size(); i++) {
				if (!same(left.get(i), right.get(i))) {
					return false;
				}
			}
			return true;
		}
		if (expected instanceof BigDecimal && actual instanceof BigDecimal) {
			return expected.equals(actual);
		}
		return Objects.deepEquals(expected, actual);
	}

	private static String print(Object value) {
		try {
			return String.valueOf(value);
		}
		catch (RuntimeException ex) {
			// JsonNode.toString refuses nesting deeper than Jackson's default write limit (500)
			return "(unprintable: " + ex.getClass().getSimpleName() + ")";
		}
	}

	static String describe(Object value) {
		if (value == null) {
			return "null";
		}
		String text = (value instanceof byte[]) ? Arrays.toString((byte[]) value) : print(value);
		if (value instanceof List) {
			StringBuilder builder = new StringBuilder("[");
			for (Object element : (List<?>) value) {
				builder.append((builder.length() > 1) ? ", " : "").append(describe(element));
			}
			text = builder.append(']').toString();
		}
		text = (text.length() > 120) ? text.substring(0, 120) + "..." : text;
		return text + " (" + value.getClass().getSimpleName() + ")";
	}

}
