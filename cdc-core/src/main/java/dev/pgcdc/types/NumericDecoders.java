package dev.pgcdc.types;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * Text decoders for integers, floating point, {@code numeric}, {@code oid} and {@code bool}.
 * Integers are parsed straight from the message bytes, without an intermediate String.
 */
final class NumericDecoders {

	/** {@code int2} to {@link Short}. */
	static final TextDecoder INT2 = new IntegerDecoder() {
		@Override
		Object box(long value) {
			return (short) value;
		}
	};

	/** {@code int4} to {@link Integer}. */
	static final TextDecoder INT4 = new IntegerDecoder() {
		@Override
		Object box(long value) {
			return (int) value;
		}
	};

	/** {@code int8} and {@code oid} (unsigned 32 bits) to {@link Long}. */
	static final TextDecoder INT8 = new IntegerDecoder() {
		@Override
		Object box(long value) {
			return value;
		}
	};

	/** {@code float4} to {@link Float}; {@code NaN}, {@code Infinity}, {@code -Infinity} included. */
	static final TextDecoder FLOAT4 = Float::valueOf;

	/** {@code float8} to {@link Double}; {@code NaN}, {@code Infinity}, {@code -Infinity} included. */
	static final TextDecoder FLOAT8 = Double::valueOf;

	/**
	 * {@code numeric} to {@link BigDecimal}. {@code NaN} and (PostgreSQL 14+) {@code ±Infinity}
	 * have no BigDecimal form: like pgjdbc's {@code getObject} they become the {@link Double}
	 * {@code NaN} and infinities. Plain values of up to 18 digits are read from the message
	 * bytes into the BigDecimal alone, without a String and its copy to a char array.
	 */
	static final TextDecoder NUMERIC = new TextDecoder() {
		@Override
		public Object decode(String text) {
			return numeric(text);
		}

		@Override
		public Object decode(byte[] data, int offset, int length) {
			BigDecimal small = smallDecimal(data, offset, length);
			return (small != null) ? small : numeric(new String(data, offset, length, StandardCharsets.US_ASCII));
		}
	};

	/** {@code bool} ({@code t} / {@code f}) to {@link Boolean}. */
	static final TextDecoder BOOL = new TextDecoder() {
		@Override
		public Object decode(String text) {
			return bool((text.length() == 1) ? text.charAt(0) : 0, text);
		}

		@Override
		public Object decode(byte[] data, int offset, int length) {
			if (length == 1 && (data[offset] == 't' || data[offset] == 'f')) {
				return data[offset] == 't';
			}
			return decode(new String(data, offset, length, StandardCharsets.UTF_8));
		}
	};

	private NumericDecoders() {
	}

	static Object numeric(String text) {
		switch (text) {
			case "NaN":
				return Double.NaN;
			case "Infinity":
				return Double.POSITIVE_INFINITY;
			case "-Infinity":
				return Double.NEGATIVE_INFINITY;
			default:
				return new BigDecimal(text);
		}
	}

	/**
	 * @return the value of {@code [-]digits[.digits]} with at most 18 digits (they fit a long),
	 * or {@code null} for anything else
	 */
	private static @Nullable BigDecimal smallDecimal(byte[] data, int offset, int length) {
		int end = offset + length;
		int i = offset;
		boolean negative = length > 0 && data[i] == '-';
		if (negative) {
			i++;
		}
		long unscaled = 0;
		int digits = 0;
		int scale = -1;
		for (; i < end; i++) {
			int digit = data[i] - '0';
			if (data[i] == '.' && scale < 0) {
				scale = 0;
				continue;
			}
			if (digit < 0 || digit > 9 || ++digits > 18) {
				return null;
			}
			unscaled = unscaled * 10 + digit;
			scale += (scale >= 0) ? 1 : 0;
		}
		return (digits == 0) ? null : BigDecimal.valueOf(negative ? -unscaled : unscaled, Math.max(scale, 0));
	}

	private static Boolean bool(char first, String text) {
		if (first == 't') {
			return Boolean.TRUE;
		}
		if (first == 'f') {
			return Boolean.FALSE;
		}
		throw new InvalidValueException("Not a bool value (neither t nor f)");
	}

	/** Parses a decimal integer from bytes, falling back to String parsing for odd input. */
	private abstract static class IntegerDecoder implements TextDecoder {

		abstract Object box(long value);

		@Override
		public Object decode(String text) {
			return box(Long.parseLong(text));
		}

		@Override
		public Object decode(byte[] data, int offset, int length) {
			int end = offset + length;
			int i = offset;
			boolean negative = length > 0 && data[i] == '-';
			if (negative) {
				i++;
			}
			// 18 digits never overflow a long; longer (int8 extremes) takes the careful path
			if (i == end || end - i > 18) {
				return decode(new String(data, offset, length, StandardCharsets.US_ASCII));
			}
			long value = 0;
			for (; i < end; i++) {
				int digit = data[i] - '0';
				if (digit < 0 || digit > 9) {
					throw new InvalidValueException("Not an integer (not a digit at position " + (i - offset) + ")");
				}
				value = value * 10 + digit;
			}
			return box(negative ? -value : value);
		}

	}

}
