package dev.pgcdc.types;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Decodes {@code array_send} output to (nested) lists: {@code ndim}, a has-nulls flag, the
 * element OID, {@code ndim} pairs of (length, lower bound), then each element as a 32-bit
 * length ({@code -1} for NULL) and its bytes in the element type's binary format.
 */
final class BinaryArrayDecoder implements BinaryDecoder {

	private final BinaryDecoder element;

	/**
	 * @param element the element type's binary decoder
	 */
	BinaryArrayDecoder(BinaryDecoder element) {
		this.element = element;
	}

	@Override
	public Object decode(byte[] data, int offset, int length) {
		if (length < 12) {
			throw new IllegalArgumentException("Binary array value must be at least 12 bytes but is " + length);
		}
		int dimensionCount = BinaryDecoders.int32(data, offset);
		if (dimensionCount == 0) {
			return Collections.emptyList();
		}
		if (dimensionCount < 0 || dimensionCount > 6 || length < 12 + 8 * dimensionCount) {
			throw new IllegalArgumentException("Binary array value has an invalid dimension count " + dimensionCount);
		}
		int[] sizes = new int[dimensionCount];
		for (int i = 0; i < dimensionCount; i++) {
			sizes[i] = BinaryDecoders.int32(data, offset + 12 + 8 * i);
		}
		Reader reader = new Reader(data, offset + 12 + 8 * dimensionCount, offset + length);
		List<@Nullable Object> list = reader.list(sizes, 0);
		if (reader.position != offset + length) {
			throw new IllegalArgumentException("Binary array value has " + (offset + length - reader.position)
					+ " bytes after its last element");
		}
		return list;
	}

	/** The read position while walking the elements. */
	private final class Reader {

		private final byte[] data;

		private final int end;

		private int position;

		Reader(byte[] data, int position, int end) {
			this.data = data;
			this.position = position;
			this.end = end;
		}

		List<@Nullable Object> list(int[] sizes, int dimension) {
			int size = sizes[dimension];
			List<@Nullable Object> list = new ArrayList<>(size);
			for (int i = 0; i < size; i++) {
				list.add((dimension + 1 < sizes.length) ? list(sizes, dimension + 1) : element());
			}
			return Collections.unmodifiableList(list);
		}

		private @Nullable Object element() {
			if (this.position + 4 > this.end) {
				throw new IllegalArgumentException("Binary array value ends inside an element length");
			}
			int length = BinaryDecoders.int32(this.data, this.position);
			this.position += 4;
			if (length == -1) {
				return null;
			}
			if (length < 0 || this.position + length > this.end) {
				throw new IllegalArgumentException("Binary array element length " + length + " is out of bounds");
			}
			Object value = BinaryArrayDecoder.this.element.decode(this.data, this.position, length);
			this.position += length;
			return value;
		}

	}

}
