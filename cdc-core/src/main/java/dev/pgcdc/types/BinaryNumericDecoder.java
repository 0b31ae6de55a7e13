package dev.pgcdc.types;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Decodes {@code numeric_send} output: {@code ndigits}, {@code weight}, {@code sign},
 * {@code dscale} (16 bits each), then {@code ndigits} base-10000 digits. The result has scale
 * {@code dscale}, so it equals the text decoder's BigDecimal ({@code 1.50} stays {@code 1.50});
 * {@code NaN} and {@code ±Infinity} become Doubles as in {@link NumericDecoders#NUMERIC}.
 * Like {@code numeric_recv} it refuses an unknown sign, a display scale above 16383 and
 * digits outside 0..9999.
 */
final class BinaryNumericDecoder implements BinaryDecoder {

	static final BinaryNumericDecoder INSTANCE = new BinaryNumericDecoder();

	private static final int NEGATIVE = 0x4000;

	private static final int NAN = 0xC000;

	private static final int POSITIVE_INFINITY = 0xD000;

	private static final int NEGATIVE_INFINITY = 0xF000;

	/** {@code NUMERIC_DSCALE_MAX}. */
	private static final int MAX_DISPLAY_SCALE = 0x3FFF;

	private static final BigInteger TEN_THOUSAND_POW_4 = BigInteger.valueOf(10_000L * 10_000L * 10_000L * 10_000L);

	private static final long[] POWERS_OF_TEN = new long[19];

	static {
		POWERS_OF_TEN[0] = 1;
		for (int i = 1; i < POWERS_OF_TEN.length; i++) {
			POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
		}
	}

	private BinaryNumericDecoder() {
	}

	@Override
	public Object decode(byte[] data, int offset, int length) {
		if (length < 8) {
			throw new InvalidValueException("Binary numeric value must be at least 8 bytes but is " + length);
		}
		int digitCount = BinaryDecoders.int16(data, offset) & 0xffff;
		int weight = BinaryDecoders.int16(data, offset + 2);
		int sign = BinaryDecoders.int16(data, offset + 4) & 0xffff;
		int displayScale = BinaryDecoders.int16(data, offset + 6) & 0xffff;
		switch (sign) {
			case NAN:
				return Double.NaN;
			case POSITIVE_INFINITY:
				return Double.POSITIVE_INFINITY;
			case NEGATIVE_INFINITY:
				return Double.NEGATIVE_INFINITY;
			case 0, NEGATIVE:
				break;
			default:
				throw new InvalidValueException("Binary numeric value has an invalid sign 0x" + Integer.toHexString(sign));
		}
		if (displayScale > MAX_DISPLAY_SCALE) {
			throw new InvalidValueException("Binary numeric value has an invalid display scale " + displayScale);
		}
		if (length != 8 + 2 * digitCount) {
			throw new InvalidValueException("Binary numeric with " + digitCount + " digits has " + length + " bytes");
		}
		if (digitCount == 0) {
			return BigDecimal.valueOf(0, displayScale);
		}
		// the digits stand for unscaled * 10000^(weight - digitCount + 1)
		int scale = (digitCount - 1 - weight) * 4;
		if (digitCount <= 4) {
			BigDecimal small = small(data, offset + 8, digitCount, sign == NEGATIVE, scale, displayScale);
			if (small != null) {
				return small;
			}
		}
		BigInteger unscaled = unscaled(data, offset + 8, digitCount);
		if (sign == NEGATIVE) {
			unscaled = unscaled.negate();
		}
		// digits past dscale are always zero, so this never loses anything
		return new BigDecimal(unscaled, scale).setScale(displayScale, RoundingMode.DOWN);
	}

	/**
	 * Up to four base-10000 digits fit a long: scale it to {@code displayScale} in long
	 * arithmetic (division truncates as {@link RoundingMode#DOWN} does) and allocate only the
	 * result. {@code null} when the rescaled value would not fit.
	 */
	private static @Nullable BigDecimal small(byte[] data, int offset, int digitCount, boolean negative, int scale,
			int displayScale) {
		long unscaled = 0;
		for (int i = 0; i < digitCount; i++) {
			unscaled = unscaled * 10_000 + digit(data, offset + 2 * i);
		}
		int shift = displayScale - scale;
		if (shift < -18 || shift > 18) {
			return null;
		}
		if (shift < 0) {
			unscaled /= POWERS_OF_TEN[-shift];
		}
		else if (shift > 0) {
			if (unscaled > Long.MAX_VALUE / POWERS_OF_TEN[shift]) {
				return null;
			}
			unscaled *= POWERS_OF_TEN[shift];
		}
		return BigDecimal.valueOf(negative ? -unscaled : unscaled, displayScale);
	}

	private static int digit(byte[] data, int offset) {
		int digit = BinaryDecoders.int16(data, offset);
		if (digit < 0 || digit >= 10_000) {
			throw new InvalidValueException("Binary numeric value has an invalid digit " + digit);
		}
		return digit;
	}

	private static BigInteger unscaled(byte[] data, int offset, int digitCount) {
		// four base-10000 digits fit a long: fold them in chunks to keep BigInteger work small
		BigInteger result = null;
		int i = 0;
		while (i < digitCount) {
			int chunk = Math.min(4, digitCount - i);
			long value = 0;
			long factor = 1;
			for (int j = 0; j < chunk; j++, i++) {
				value = value * 10_000 + digit(data, offset + 2 * i);
				factor *= 10_000;
			}
			if (result == null) {
				result = BigInteger.valueOf(value);
			}
			else {
				result = result.multiply((factor == 10_000L * 10_000L * 10_000L * 10_000L) ? TEN_THOUSAND_POW_4
						: BigInteger.valueOf(factor)).add(BigInteger.valueOf(value));
			}
		}
		return Objects.requireNonNull(result, "no digits");
	}

}
