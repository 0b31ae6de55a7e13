package dev.pgcdc.types;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Decodes {@code array_send} output to (nested) lists: {@code ndim}, a has-nulls flag, the
 * element OID, {@code ndim} pairs of (length, lower bound), then each element as a 32-bit
 * length ({@code -1} for NULL) and its bytes in the element type's binary format.
 * <p>
 * As {@code array_recv} does, it checks the header before it believes it: at most
 * {@value TextArrayParser#MAX_DIMENSIONS} dimensions, no negative length, and no more elements
 * than the bytes present can hold (each takes at least its 4-byte length), so a forged header
 * can neither recurse deep nor allocate a list the value does not fill.
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
			throw new InvalidValueException("Binary array value must be at least 12 bytes but is " + length);
		}
		int dimensionCount = BinaryDecoders.int32(data, offset);
		if (dimensionCount < 0 || dimensionCount > TextArrayParser.MAX_DIMENSIONS) {
			throw new InvalidValueException("Binary array value has " + dimensionCount + " dimensions, "
					+ ((dimensionCount < 0) ? "fewer than 0" : "more than " + TextArrayParser.MAX_DIMENSIONS));
		}
		int elementsStart = 12 + 8 * dimensionCount;
		if (length < elementsStart) {
			throw new InvalidValueException("Binary array value of " + length + " bytes ends inside its header");
		}
		int[] sizes = new int[dimensionCount];
		long elements = (dimensionCount == 0) ? 0 : 1;
		for (int i = 0; i < dimensionCount; i++) {
			sizes[i] = BinaryDecoders.int32(data, offset + 12 + 8 * i);
			if (sizes[i] < 0) {
				throw new InvalidValueException("Binary array dimension " + (i + 1) + " has length " + sizes[i]);
			}
			elements = (sizes[i] != 0 && elements > Long.MAX_VALUE / sizes[i]) ? Long.MAX_VALUE : elements * sizes[i];
		}
		if (elements > (length - elementsStart) / 4) {
			throw new InvalidValueException(
					"Binary array value of " + length + " bytes cannot hold " + elements + " elements");
		}
		if (elements == 0) {
			// array_recv makes any array with a dimension of length 0 the empty array
			checkEnd(offset + elementsStart, offset + length);
			return Collections.emptyList();
		}
		Reader reader = new Reader(data, offset + elementsStart, offset + length);
		List<@Nullable Object> list = reader.list(sizes, 0);
		checkEnd(reader.position, offset + length);
		return list;
	}

	private static void checkEnd(int position, int end) {
		if (position != end) {
			throw new InvalidValueException("Binary array value has " + (end - position) + " bytes after its last element");
		}
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
				throw new InvalidValueException("Binary array value ends inside an element length");
			}
			int length = BinaryDecoders.int32(this.data, this.position);
			this.position += 4;
			if (length == -1) {
				return null;
			}
			if (length < 0 || this.position + length > this.end) {
				throw new InvalidValueException("Binary array element length " + length + " is out of bounds");
			}
			Object value = BinaryArrayDecoder.this.element.decode(this.data, this.position, length);
			this.position += length;
			return value;
		}

	}

}
