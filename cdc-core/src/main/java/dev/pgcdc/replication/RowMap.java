package dev.pgcdc.replication;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * A decoded row: column name to value in table order, over two arrays. The names array is
 * shared by the rows of one relation (a row that leaves columns out has its own), so a
 * 10-column row costs the map and one values array instead of a {@code LinkedHashMap}'s table
 * and ten entries. Read-only; {@code null} values allowed; {@code equals}, {@code hashCode}
 * and {@code toString} as for every {@link Map}. Public for the snapshot reader, whose rows are
 * the same maps as a change's; not an API.
 */
public final class RowMap extends AbstractMap<String, @Nullable Object> {

	private final String[] names;

	private final @Nullable Object[] values;

	private final int size;

	/**
	 * @param names the column names; the first {@code size} are this row's
	 * @param values the values, in the same positions
	 * @param size the number of columns
	 */
	public RowMap(String[] names, @Nullable Object[] values, int size) {
		this.names = names;
		this.values = values;
		this.size = size;
	}

	private int indexOf(@Nullable Object column) {
		for (int i = 0; i < this.size; i++) {
			if (this.names[i].equals(column)) {
				return i;
			}
		}
		return -1;
	}

	@Override
	public @Nullable Object get(@Nullable Object column) {
		int index = indexOf(column);
		return (index >= 0) ? this.values[index] : null;
	}

	@Override
	public boolean containsKey(@Nullable Object column) {
		return indexOf(column) >= 0;
	}

	@Override
	public int size() {
		return this.size;
	}

	@Override
	public Set<Map.Entry<String, @Nullable Object>> entrySet() {
		return new AbstractSet<>() {

			@Override
			public Iterator<Map.Entry<String, @Nullable Object>> iterator() {
				return new Iterator<>() {

					private int next;

					@Override
					public boolean hasNext() {
						return this.next < RowMap.this.size;
					}

					@Override
					public Map.Entry<String, @Nullable Object> next() {
						if (this.next >= RowMap.this.size) {
							throw new NoSuchElementException();
						}
						int index = this.next++;
						return new SimpleImmutableEntry<>(RowMap.this.names[index], RowMap.this.values[index]);
					}

				};
			}

			@Override
			public int size() {
				return RowMap.this.size;
			}

		};
	}

}
