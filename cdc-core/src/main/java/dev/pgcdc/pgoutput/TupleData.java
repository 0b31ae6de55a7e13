package dev.pgcdc.pgoutput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * The column values of one row as sent by {@code pgoutput} ({@code TupleData}). Values are
 * not copied: each is a slice of the message's byte array, so a tuple is only valid while
 * the message it came from is.
 */
public final class TupleData {

	/** Kind {@code n}: the value is NULL. */
	public static final byte NULL = 'n';

	/** Kind {@code u}: an unchanged TOASTed value that the server did not send. */
	public static final byte UNCHANGED_TOAST = 'u';

	/** Kind {@code t}: the value in text format. */
	public static final byte TEXT = 't';

	/** Kind {@code b}: the value in binary format. */
	public static final byte BINARY = 'b';

	private final byte[] kinds;

	private final byte[] data;

	private final int[] offsets;

	private final int[] lengths;

	/**
	 * Create a tuple over a message's bytes.
	 * @param kinds the kind of each column
	 * @param data the message bytes the values live in
	 * @param offsets each value's start in {@code data} ({@code -1} for no value)
	 * @param lengths each value's length ({@code -1} for no value)
	 */
	public TupleData(byte[] kinds, byte[] data, int[] offsets, int[] lengths) {
		this.kinds = kinds;
		this.data = data;
		this.offsets = offsets;
		this.lengths = lengths;
	}

	/** @return the number of columns */
	public int size() {
		return this.kinds.length;
	}

	/**
	 * @param column the column index
	 * @return the kind, one of {@link #NULL}, {@link #UNCHANGED_TOAST}, {@link #TEXT}, {@link #BINARY}
	 */
	public byte kind(int column) {
		return this.kinds[column];
	}

	/**
	 * @param column the column index
	 * @return the value's bytes as a read-only buffer, or {@code null} for NULL and unchanged TOAST
	 */
	public @Nullable ByteBuffer buffer(int column) {
		int length = this.lengths[column];
		return (length < 0) ? null : ByteBuffer.wrap(this.data, this.offsets[column], length).slice().asReadOnlyBuffer();
	}

	/**
	 * @param column the column index
	 * @return a copy of the value's bytes, or {@code null} for NULL and unchanged TOAST
	 */
	public byte @Nullable [] bytes(int column) {
		int length = this.lengths[column];
		if (length < 0) {
			return null;
		}
		byte[] copy = new byte[length];
		System.arraycopy(this.data, this.offsets[column], copy, 0, length);
		return copy;
	}

	/**
	 * @param column the column index
	 * @return a text-format value decoded as UTF-8, or {@code null} for NULL and unchanged TOAST
	 */
	public @Nullable String text(int column) {
		int length = this.lengths[column];
		return (length < 0) ? null : new String(this.data, this.offsets[column], length, StandardCharsets.UTF_8);
	}

	/** @return the backing array (for decoders that read in place) */
	public byte[] array() {
		return this.data;
	}

	/**
	 * @param column the column index
	 * @return the value's offset in {@link #array()}, or {@code -1}
	 */
	public int offset(int column) {
		return this.offsets[column];
	}

	/**
	 * @param column the column index
	 * @return the value's length, or {@code -1}
	 */
	public int length(int column) {
		return this.lengths[column];
	}

	@Override
	public String toString() {
		StringBuilder text = new StringBuilder("TupleData[");
		for (int i = 0; i < size(); i++) {
			text.append(i > 0 ? ", " : "").append((char) this.kinds[i]);
			if (this.kinds[i] == TEXT) {
				text.append(':').append(text(i));
			}
		}
		return text.append(']').toString();
	}

}
