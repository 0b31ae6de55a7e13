package dev.pgcdc.types;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * The resolved non-built-in types by OID: reads are lock-free and allocation-free (no boxed
 * keys), writes copy the table. Types are resolved once per OID (again only after a failed
 * look-up or a changed name), so writes are rare and reads are every value.
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
	 * Store a decoder in place of {@code expected}, unless another thread stored a different one
	 * meanwhile.
	 * @param oid a type OID
	 * @param expected the decoder the caller found ({@code null}: none)
	 * @param decoder its new decoder
	 * @return the decoder now stored for the OID
	 */
	synchronized TypeDecoder replace(int oid, @Nullable TypeDecoder expected, TypeDecoder decoder) {
		TypeDecoder existing = get(oid);
		if (existing != null && existing != expected) {
			return existing;
		}
		Table copy = copyWithout(oid, 1);
		copy.put(oid, decoder);
		this.table = copy;
		return decoder;
	}

	/**
	 * Forget an OID, so its type is resolved again on next use.
	 * @param oid a type OID
	 */
	synchronized void remove(int oid) {
		if (get(oid) != null) {
			this.table = copyWithout(oid, 0);
		}
	}

	/** A copy of the table without {@code oid}, with room for {@code extra} more entries. */
	private Table copyWithout(int oid, int extra) {
		Table current = this.table;
		int size = extra + (int) Arrays.stream(current.values).filter((value) -> value != null).count();
		int capacity = current.oids.length;
		while (size * 2 > capacity) {
			capacity *= 2;
		}
		Table copy = new Table(new int[capacity], new TypeDecoder[capacity]);
		for (int i = 0; i < current.oids.length; i++) {
			if (current.values[i] != null && current.oids[i] != oid) {
				copy.put(current.oids[i], current.values[i]);
			}
		}
		return copy;
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
