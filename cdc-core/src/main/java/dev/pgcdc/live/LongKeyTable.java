package dev.pgcdc.live;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

/**
 * Values by {@code long} key, for the index of integer columns: open addressing with the keys in
 * one array and the values in another, so a look-up reads two array slots — no bucket node, no
 * boxed key — which matters when 100,000 open queries' entries no longer fit in the CPU's caches.
 * Changed by one thread at a time (the caller's lock), read by any without one: a slot's key is
 * written before its value is published (a volatile store, so a query is indexed before its
 * subscriber goes on to read its snapshot), a claimed slot keeps its key until the table is
 * rebuilt, a removed value leaves a marker that look-ups pass over, and a rebuilt table (grown,
 * or shrunk once most of it is removed) is published whole.
 */
final class LongKeyTable {

	private static final VarHandle VALUE = MethodHandles.arrayElementVarHandle(Object[].class);

	private static final int MIN_CAPACITY = 16;

	/** The value of a slot whose key was removed: its key stays, look-ups go past it. */
	private static final Object REMOVED = new Object();

	private volatile Table table = new Table(MIN_CAPACITY);

	/** Slots claimed in {@link #table} (live and removed), and live: the writers' own counts. */
	private int claimed;

	private int size;

	/**
	 * @param key a key
	 * @return its value, {@code null} when it has none
	 */
	@Nullable Object get(long key) {
		Table current = this.table;
		long[] keys = current.keys;
		Object[] values = current.values;
		int mask = keys.length - 1;
		int slot = spread(key) & mask;
		while (true) {
			Object value = VALUE.getAcquire(values, slot);
			if (value == null) {
				return null;
			}
			if (keys[slot] == key) {
				return (value == REMOVED) ? null : value;
			}
			slot = (slot + 1) & mask;
		}
	}

	/**
	 * Change a key's value; under the caller's lock.
	 * @param key a key
	 * @param change its new value from its current one ({@code null}: none); {@code null} removes it
	 */
	void compute(long key, UnaryOperator<@Nullable Object> change) {
		Table current = this.table;
		int slot = find(current, key);
		Object old = (slot >= 0) ? current.values[slot] : null;
		Object present = (old == REMOVED) ? null : old;
		Object value = change.apply(present);
		if (value == present) {
			return;
		}
		if (value == null) {
			VALUE.setVolatile(current.values, slot, REMOVED);
			this.size--;
			if (this.size < current.keys.length / 8 && current.keys.length > MIN_CAPACITY) {
				rebuild(current.keys.length / 2);
			}
			return;
		}
		if (present != null) {
			VALUE.setVolatile(current.values, slot, value);
			return;
		}
		this.size++;
		if (old == REMOVED) {
			VALUE.setVolatile(current.values, slot, value);
			return;
		}
		if ((this.claimed + 1) * 2 > current.keys.length) {
			rebuild(capacityFor(this.size));
			current = this.table;
		}
		slot = free(current, key);
		current.keys[slot] = key;
		VALUE.setVolatile(current.values, slot, value);
		this.claimed++;
	}

	/** @return the number of keys with a value */
	int size() {
		return this.size;
	}

	/** @return the slot holding {@code key} (live or removed), {@code -1} when none */
	private static int find(Table table, long key) {
		int mask = table.keys.length - 1;
		int slot = spread(key) & mask;
		while (table.values[slot] != null) {
			if (table.keys[slot] == key) {
				return slot;
			}
			slot = (slot + 1) & mask;
		}
		return -1;
	}

	/** @return the first never-claimed slot of {@code key}'s probe sequence */
	private static int free(Table table, long key) {
		int mask = table.keys.length - 1;
		int slot = spread(key) & mask;
		while (table.values[slot] != null) {
			slot = (slot + 1) & mask;
		}
		return slot;
	}

	/** Copy the live entries into a new table of {@code capacity} slots and publish it. */
	private void rebuild(int capacity) {
		Table old = this.table;
		Table rebuilt = new Table(Math.max(MIN_CAPACITY, capacity));
		int copied = 0;
		for (int i = 0; i < old.keys.length; i++) {
			Object value = old.values[i];
			if (value != null && value != REMOVED) {
				int slot = free(rebuilt, old.keys[i]);
				rebuilt.keys[slot] = old.keys[i];
				rebuilt.values[slot] = value;
				copied++;
			}
		}
		this.claimed = copied;
		this.table = rebuilt;
	}

	/** @return the smallest power of two at least twice {@code size + 1}: a table at most half full */
	private static int capacityFor(int size) {
		return Integer.highestOneBit(Math.max(MIN_CAPACITY, (size + 1) * 2) - 1) << 1;
	}

	/** Keys in use are often consecutive ids: mix their bits so neighbours do not fill neighbouring slots. */
	private static int spread(long key) {
		long mixed = key * 0x9E3779B97F4A7C15L;
		return (int) (mixed ^ (mixed >>> 32));
	}

	private static final class Table {

		final long[] keys;

		/** {@code null}: never claimed; {@link #REMOVED}; or a value. */
		final @Nullable Object[] values;

		Table(int capacity) {
			this.keys = new long[capacity];
			this.values = new Object[capacity];
		}

	}

}
