package dev.pgcdc.live;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.UUID;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.live.Shape.Condition;
import dev.pgcdc.live.TableCatalog.TableMeta;
import dev.pgcdc.event.TableName;
import org.jspecify.annotations.Nullable;

/**
 * A shape checked against the catalog: its conditions normalized to the values the stream
 * decodes, its catch-up query (identifiers quoted, values bound as text and cast to the
 * column's type), its projection, and how one change relates to it.
 */
final class ShapePlan {

	private static final int BOOL = 16;

	private static final int NAME = 19;

	private static final int INT8 = 20;

	private static final int INT2 = 21;

	private static final int INT4 = 23;

	private static final int TEXT = 25;

	private static final int BPCHAR = 1042;

	private static final int VARCHAR = 1043;

	private static final int DATE = 1082;

	private static final int NUMERIC = 1700;

	private static final int UUID_OID = 2950;

	private final Shape shape;

	private final TableMeta meta;

	private final String[] conditionColumns;

	private final Condition.Kind[] kinds;

	private final @Nullable Object[] keys;

	private final @Nullable Set<?>[] keySets;

	// a shape of one equality (the usual one): its column and value outside the arrays, so
	// checking a change reads this object only
	private final @Nullable String onlyColumn;

	private final @Nullable Object onlyKey;

	/** The projection in table order (key included), {@code null} for every column. */
	private final String @Nullable [] projection;

	/** The columns whose change makes an update of a row staying in the shape worth delivering. */
	private final @Nullable Set<String> watched;

	private final String sql;

	private final List<String> parameters;

	private final String[] selected;

	private final int[] selectedTypes;

	private final @Nullable String indexColumn;

	private final List<Object> indexKeys;

	private final boolean conditionsOnKey;

	private ShapePlan(Shape shape, TableMeta meta) {
		this.shape = shape;
		this.meta = meta;
		List<Condition> conditions = shape.conditions();
		int n = conditions.size();
		this.conditionColumns = new String[n];
		this.kinds = new Condition.Kind[n];
		this.keys = new Object[n];
		this.keySets = new Set<?>[n];
		StringJoiner where = new StringJoiner(" AND ", " WHERE ", "");
		where.setEmptyValue("");
		List<String> parameters = new ArrayList<>();
		String indexColumn = null;
		List<Object> indexKeys = List.of();
		boolean onKey = true;
		for (int i = 0; i < n; i++) {
			Condition condition = conditions.get(i);
			int column = column(condition.column(), "where");
			String quoted = TableName.quote(condition.column());
			String cast = meta.sqlTypes()[column];
			this.conditionColumns[i] = condition.column();
			this.kinds[i] = condition.kind();
			onKey &= meta.key().contains(condition.column());
			switch (condition.kind()) {
				case EQUALS -> {
					Object key = normalize(condition.column(), column, condition.values().get(0));
					this.keys[i] = key;
					where.add(quoted + " = CAST(? AS " + cast + ")");
					parameters.add(text(key));
					if (indexColumn == null || !indexKeys.isEmpty() && indexKeys.size() > 1) {
						indexColumn = condition.column();
						indexKeys = List.of(key);
					}
				}
				case IN -> {
					Set<Object> set = new LinkedHashSet<>();
					for (Object value : condition.values()) {
						set.add(normalize(condition.column(), column, value));
					}
					this.keySets[i] = set;
					if (set.isEmpty()) {
						where.add("FALSE");
					}
					else {
						StringJoiner in = new StringJoiner(", ", quoted + " IN (", ")");
						for (Object key : set) {
							in.add("CAST(? AS " + cast + ")");
							parameters.add(text(key));
						}
						where.add(in.toString());
					}
					if (indexColumn == null) {
						indexColumn = condition.column();
						indexKeys = List.copyOf(set);
					}
				}
				case IS_NULL -> where.add(quoted + " IS NULL");
			}
		}
		this.indexColumn = indexColumn;
		this.indexKeys = indexKeys;
		boolean onlyEquality = n == 1 && this.kinds[0] == Condition.Kind.EQUALS;
		this.onlyColumn = onlyEquality ? this.conditionColumns[0] : null;
		this.onlyKey = onlyEquality ? this.keys[0] : null;
		this.conditionsOnKey = onKey;
		if (shape.columns().isEmpty()) {
			this.projection = null;
			this.selected = meta.names();
			this.selectedTypes = meta.types();
		}
		else {
			Set<String> wanted = new HashSet<>(meta.key());
			for (String column : shape.columns()) {
				column(column, "columns");
				wanted.add(column);
			}
			List<String> projected = new ArrayList<>();
			List<Integer> types = new ArrayList<>();
			for (int i = 0; i < meta.names().length; i++) {
				if (wanted.contains(meta.names()[i])) {
					projected.add(meta.names()[i]);
					types.add(meta.types()[i]);
				}
			}
			this.projection = projected.toArray(new String[0]);
			this.selected = this.projection;
			this.selectedTypes = types.stream().mapToInt(Integer::intValue).toArray();
		}
		if (!shape.triggers().isEmpty()) {
			for (String column : shape.triggers()) {
				column(column, "onChangeOf");
			}
			this.watched = Set.copyOf(shape.triggers());
		}
		else {
			this.watched = (this.projection != null) ? Set.of(this.projection) : null;
		}
		StringJoiner select = new StringJoiner(", ", "SELECT ", " FROM " + meta.table().quoted());
		for (String column : this.selected) {
			select.add(TableName.quote(column));
		}
		this.sql = select + where.toString();
		this.parameters = List.copyOf(parameters);
	}

	/**
	 * @param shape the shape
	 * @param meta its table
	 * @return the plan
	 * @throws IllegalArgumentException for an unknown column or a value of the wrong type
	 */
	static ShapePlan of(Shape shape, TableMeta meta) {
		return new ShapePlan(shape, meta);
	}

	private int column(String column, String where) {
		int index = this.meta.indexOf(column);
		if (index < 0) {
			throw new IllegalArgumentException("Table " + this.meta.table() + " has no column '" + column + "' (in " + where
					+ "); its columns: " + this.meta.describeColumns());
		}
		return index;
	}

	/** The value a condition compares with, as the stream decodes it (see {@link #key}). */
	private Object normalize(String name, int column, Object value) {
		int type = this.meta.types()[column];
		Object normalized = switch (type) {
			case INT2 -> integral(value, Short.MIN_VALUE, Short.MAX_VALUE) ? (Object) ((Number) value).shortValue() : null;
			case INT4 -> integral(value, Integer.MIN_VALUE, Integer.MAX_VALUE) ? (Object) ((Number) value).intValue() : null;
			case INT8 -> integral(value, Long.MIN_VALUE, Long.MAX_VALUE) ? (Object) ((Number) value).longValue() : null;
			case NUMERIC -> (value instanceof BigDecimal || value instanceof BigInteger || integral(value, Long.MIN_VALUE,
					Long.MAX_VALUE)) ? key(new BigDecimal(value.toString())) : null;
			case TEXT, VARCHAR, BPCHAR, NAME -> (value instanceof String) ? value : null;
			case BOOL -> (value instanceof Boolean) ? value : null;
			case DATE -> (value instanceof LocalDate) ? value : null;
			case UUID_OID -> uuid(value);
			default -> this.meta.enums()[column] ? ((value instanceof String || value instanceof Enum<?>) ? value.toString()
					: null) : unsupported(name, column);
		};
		if (normalized == null) {
			throw new IllegalArgumentException("Column '" + name + "' of " + this.meta.table() + " is "
					+ this.meta.sqlTypes()[column] + ": a " + value.getClass().getSimpleName()
					+ " value cannot equal it (use " + javaType(type, column) + ")");
		}
		return normalized;
	}

	private Object unsupported(String name, int column) {
		throw new IllegalArgumentException("Column '" + name + "' of " + this.meta.table() + " is "
				+ this.meta.sqlTypes()[column] + ": live queries compare integer, numeric, text, boolean, date, uuid and enum"
				+ " columns only");
	}

	private String javaType(int type, int column) {
		return switch (type) {
			case INT2 -> "a Short or another integral number in range";
			case INT4 -> "an Integer or another integral number in range";
			case INT8 -> "a Long or another integral number";
			case NUMERIC -> "a BigDecimal";
			case BOOL -> "a Boolean";
			case DATE -> "a LocalDate";
			case UUID_OID -> "a UUID";
			default -> "a String";
		};
	}

	private static boolean integral(Object value, long min, long max) {
		long number;
		if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
			number = ((Number) value).longValue();
		}
		else if (value instanceof BigInteger big && big.bitLength() < 64) {
			number = big.longValue();
		}
		else {
			return false;
		}
		return number >= min && number <= max;
	}

	private static @Nullable Object uuid(Object value) {
		if (value instanceof UUID) {
			return value;
		}
		if (value instanceof String text) {
			try {
				return UUID.fromString(text);
			}
			catch (IllegalArgumentException ex) {
				return null;
			}
		}
		return null;
	}

	private static String text(Object key) {
		return (key instanceof BigDecimal decimal) ? decimal.toPlainString() : key.toString();
	}

	/**
	 * The form a value is compared in: decimals without trailing zeros (so {@code 1.50} equals
	 * {@code 1.5}), everything else as decoded.
	 * @param value a decoded value
	 * @return its comparison key
	 */
	static @Nullable Object key(@Nullable Object value) {
		if (value instanceof BigDecimal decimal) {
			return (decimal.signum() == 0) ? BigDecimal.ZERO : decimal.stripTrailingZeros();
		}
		return value;
	}

	/** @return whether a row (new, or old under replica identity FULL) is in the shape */
	boolean matches(Map<String, @Nullable Object> row) {
		String only = this.onlyColumn;
		if (only != null) {
			Object value = key(row.get(only));
			return value != null && value.equals(this.onlyKey);
		}
		for (int i = 0; i < this.kinds.length; i++) {
			Object value = key(row.get(this.conditionColumns[i]));
			boolean match = switch (this.kinds[i]) {
				case EQUALS -> value != null && value.equals(this.keys[i]);
				case IN -> value != null && this.keySets[i].contains(value);
				case IS_NULL -> value == null;
			};
			if (!match) {
				return false;
			}
		}
		return true;
	}

	/**
	 * How a change relates to the shape.
	 * @param event an INSERT, UPDATE or DELETE of the shape's table
	 * @return the change relative to the shape, {@code null} when the shape is not concerned
	 */
	@Nullable ShapeChange change(ChangeEvent event) {
		return change(event, false);
	}

	/**
	 * @return whether the shape's only condition is one equality: a change the index found under
	 * its key (the value of the indexed column in the new row and the old one alike) is then in
	 * the shape without checking its rows again ({@link #change(ChangeEvent, boolean)})
	 */
	boolean isOnlyEquality() {
		return this.onlyColumn != null;
	}

	/**
	 * How a change relates to the shape.
	 * @param event an INSERT, UPDATE or DELETE of the shape's table
	 * @param inShape whether its new and old rows are known to be in the shape: found by the index
	 * under the key of an {@linkplain #isOnlyEquality() only equality}
	 * @return the change relative to the shape, {@code null} when the shape is not concerned
	 */
	@Nullable ShapeChange change(ChangeEvent event, boolean inShape) {
		Map<String, @Nullable Object> row = event.newRecord();
		Map<String, @Nullable Object> old = event.oldRecord();
		switch (event.operation()) {
			case INSERT -> {
				return (row != null && (inShape || matches(row)))
						? new ShapeChange(Operation.INSERT, project(row), null, event.position(), event.commitTimestamp())
						: null;
			}
			case UPDATE -> {
				if (row == null) {
					return null;
				}
				boolean in = inShape || matches(row);
				// without old values the key did not change, and the conditions are on the key
				boolean wasIn = (old != null) ? inShape || matches(old) : in;
				if (in && wasIn) {
					return relevant(event) ? new ShapeChange(Operation.UPDATE, project(row),
							(old != null) ? project(old) : null, event.position(), event.commitTimestamp()) : null;
				}
				if (in) {
					return new ShapeChange(Operation.INSERT, project(row), null, event.position(), event.commitTimestamp());
				}
				if (wasIn && old != null) {
					Map<String, @Nullable Object> before = project(old);
					return new ShapeChange(Operation.DELETE, before, before, event.position(), event.commitTimestamp());
				}
				return null;
			}
			case DELETE -> {
				if (old == null || !(inShape || matches(old))) {
					return null;
				}
				Map<String, @Nullable Object> before = project(old);
				return new ShapeChange(Operation.DELETE, before, before, event.position(), event.commitTimestamp());
			}
			default -> {
				return null;
			}
		}
	}

	private boolean relevant(ChangeEvent event) {
		if (event.changes().isEmpty()) {
			// old values unknown: it may have changed anything
			return event.oldRecord() == null;
		}
		if (this.watched == null) {
			return true;
		}
		for (String column : event.changes().keySet()) {
			if (this.watched.contains(column)) {
				return true;
			}
		}
		return false;
	}

	Map<String, @Nullable Object> project(Map<String, @Nullable Object> row) {
		String[] columns = this.projection;
		if (columns == null) {
			return row;
		}
		Map<String, @Nullable Object> projected = new LinkedHashMap<>(columns.length * 2);
		for (String column : columns) {
			if (row.containsKey(column)) {
				projected.put(column, row.get(column));
			}
		}
		return Collections.unmodifiableMap(projected);
	}

	Shape shape() {
		return this.shape;
	}

	TableMeta meta() {
		return this.meta;
	}

	/** @return the catch-up query */
	String sql() {
		return this.sql;
	}

	/** @return its parameters, as text */
	List<String> parameters() {
		return this.parameters;
	}

	/** @return the columns the catch-up query selects, in order */
	String[] selected() {
		return this.selected;
	}

	/** @return their type OIDs */
	int[] selectedTypes() {
		return this.selectedTypes;
	}

	/** @return the column the shape is indexed by, {@code null} when every change of the table is checked */
	@Nullable String indexColumn() {
		return this.indexColumn;
	}

	/** @return the values it is indexed under (normalized keys) */
	List<Object> indexKeys() {
		return this.indexKeys;
	}

	/** @return whether every condition is on a primary-key column (so key-only old rows suffice) */
	boolean conditionsOnKey() {
		return this.conditionsOnKey;
	}

}
