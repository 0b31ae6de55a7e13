package dev.pgcdc.types;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * The resolved non-built-in types by OID: reads are lock-free and allocation-free (no boxed
 * keys), writes copy the table. Types are resolved once per OID, so writes are rare and reads
 * are every value.
 */
final class OidMap {

	private volatile Table table = new Table(new int[16], new TypeDecoder[16]);

	/**
	 * @param oid a type OID
	 * @return its decoder, or {@code null}
	 */
	@Nullable TypeDecoder get(int oid) {
		Table current = this.table;
		int mask = current.oids.length - 1;
		for (int i = mix(oid) & mask;; i = (i + 1) & mask) {
			TypeDecoder value = current.values[i];
			if (value == null) {
				return null;
			}
			if (current.oids[i] == oid) {
				return value;
			}
		}
	}

	/**
	 * Store a decoder unless one is there already.
	 * @param oid a type OID
	 * @param decoder its decoder
	 * @return the decoder now stored for the OID
	 */
	synchronized TypeDecoder putIfAbsent(int oid, TypeDecoder decoder) {
		TypeDecoder existing = get(oid);
		if (existing != null) {
			return existing;
		}
		Table current = this.table;
		int size = 1 + (int) Arrays.stream(current.values).filter((value) -> value != null).count();
		int capacity = current.oids.length;
		while (size * 2 > capacity) {
			capacity *= 2;
		}
		Table copy = new Table(new int[capacity], new TypeDecoder[capacity]);
		for (int i = 0; i < current.oids.length; i++) {
			if (current.values[i] != null) {
				copy.put(current.oids[i], current.values[i]);
			}
		}
		copy.put(oid, decoder);
		this.table = copy;
		return decoder;
	}

	/**
	 * Forget an OID, so its type is resolved again on next use.
	 * @param oid a type OID
	 */
	synchronized void remove(int oid) {
		if (get(oid) == null) {
			return;
		}
		Table current = this.table;
		Table copy = new Table(new int[current.oids.length], new TypeDecoder[current.oids.length]);
		for (int i = 0; i < current.oids.length; i++) {
			if (current.values[i] != null && current.oids[i] != oid) {
				copy.put(current.oids[i], current.values[i]);
			}
		}
		this.table = copy;
	}

	private static int mix(int oid) {
		int h = oid * 0x9E3779B9;
		return h ^ (h >>> 16);
	}

	/** An open-addressing table, never changed once published. */
	private static final class Table {

		final int[] oids;

		final @Nullable TypeDecoder[] values;

		Table(int[] oids, @Nullable TypeDecoder[] values) {
			this.oids = oids;
			this.values = values;
		}

		void put(int oid, TypeDecoder value) {
			int mask = this.oids.length - 1;
			int i = mix(oid) & mask;
			while (this.values[i] != null) {
				i = (i + 1) & mask;
			}
			this.oids[i] = oid;
			this.values[i] = value;
		}

	}

}
