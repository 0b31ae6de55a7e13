package dev.pgcdc.replication;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.pgoutput.TupleData;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns pgoutput tuples into rows of Java values, column name to value in table order, with
 * the replica identity and unchanged-TOAST rules of the event model. Rows are read-only
 * {@link RowMap}s sharing their relation's array of column names.
 */
final class RowDecoder {

	private static final Logger logger = LoggerFactory.getLogger(RowDecoder.class);

	private final TypeRegistry types;

	// the column names of the last relation seen: rows of one table come in runs
	private @Nullable Relation namesOf;

	private String[] names = new String[0];

	RowDecoder(TypeRegistry types) {
		this.types = types;
	}

	/**
	 * An old row as sent: {@code 'O'} carries every column, {@code 'K'} only the key columns
	 * (the others are sent as NULL and are left out).
	 * @param relation the table
	 * @param kind {@code 'O'} or {@code 'K'}
	 * @param tuple the old tuple
	 * @return the old row
	 */
	Map<String, @Nullable Object> oldRow(Relation relation, char kind, TupleData tuple) {
		List<Relation.Column> columns = relation.columns();
		int size = Math.min(columns.size(), tuple.size());
		String[] names = names(relation);
		@Nullable String[] own = null;
		@Nullable Object[] values = new Object[size];
		int count = 0;
		for (int i = 0; i < size; i++) {
			Relation.Column column = columns.get(i);
			if ((kind == 'K' && !column.isKey()) || tuple.kind(i) == TupleData.UNCHANGED_TOAST) {
				own = (own != null) ? own : Arrays.copyOf(names, size);
				continue;
			}
			if (own != null) {
				own[count] = column.name();
			}
			values[count++] = value(column, tuple, i);
		}
		return new RowMap((own != null) ? own : names, values, count);
	}

	/**
	 * A new row. An unchanged TOASTed value takes the old row's value when the old row has it;
	 * otherwise the column is left out and added to {@code unchangedToast}.
	 * @param relation the table
	 * @param tuple the new tuple
	 * @param oldRow the old row, if known
	 * @param unchangedToast receives the columns left out
	 * @return the new row
	 */
	Map<String, @Nullable Object> newRow(Relation relation, TupleData tuple, @Nullable Map<String, @Nullable Object> oldRow,
			Set<String> unchangedToast) {
		List<Relation.Column> columns = relation.columns();
		int size = Math.min(columns.size(), tuple.size());
		String[] names = names(relation);
		@Nullable String[] own = null;
		@Nullable Object[] values = new Object[size];
		int count = 0;
		for (int i = 0; i < size; i++) {
			Relation.Column column = columns.get(i);
			Object value;
			if (tuple.kind(i) == TupleData.UNCHANGED_TOAST) {
				if (oldRow == null || !oldRow.containsKey(column.name())) {
					unchangedToast.add(column.name());
					own = (own != null) ? own : Arrays.copyOf(names, size);
					continue;
				}
				value = oldRow.get(column.name());
			}
			else {
				value = value(column, tuple, i);
			}
			if (own != null) {
				own[count] = column.name();
			}
			values[count++] = value;
		}
		return new RowMap((own != null) ? own : names, values, count);
	}

	private String[] names(Relation relation) {
		if (relation != this.namesOf) {
			List<Relation.Column> columns = relation.columns();
			String[] names = new String[columns.size()];
			for (int i = 0; i < names.length; i++) {
				names[i] = columns.get(i).name();
			}
			this.names = names;
			this.namesOf = relation;
		}
		return this.names;
	}

	private @Nullable Object value(Relation.Column column, TupleData tuple, int index) {
		if (tuple.kind(index) == TupleData.NULL) {
			return null;
		}
		try {
			return this.types.decode(column.typeOid(), tuple.array(), tuple.offset(index), tuple.length(index),
					tuple.kind(index) == TupleData.BINARY);
		}
		catch (RuntimeException ex) {
			// a value the registry cannot read is still worth delivering: as the server's text
			logger.debug("Cannot decode column {} (type oid {}); delivering it as text", column.name(),
					Integer.toUnsignedString(column.typeOid()), ex);
			return (tuple.kind(index) == TupleData.TEXT) ? tuple.text(index) : tuple.bytes(index);
		}
	}

}
