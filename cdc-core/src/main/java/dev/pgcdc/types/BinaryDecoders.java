package dev.pgcdc.types;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.UUID;

/**
 * Binary decoders (the types' {@code send} formats, big-endian) for the fixed-size types:
 * integers, floats, {@code bool}, {@code oid}, {@code uuid}, {@code bytea} and the date/time
 * types. Results equal the text decoders' results, infinities and {@code 24:00:00} included.
 */
final class BinaryDecoders {

	/** 2000-01-01, the PostgreSQL epoch, in days since 1970-01-01. */
	private static final long POSTGRES_EPOCH_DAYS = 10957;

	private static final long POSTGRES_EPOCH_SECONDS = POSTGRES_EPOCH_DAYS * 86400;

	private static final long MICROS_PER_DAY = 86_400_000_000L;

	static final BinaryDecoder INT2 = (data, offset, length) -> {
		check(length, 2, "int2");
		return (short) int16(data, offset);
	};

	static final BinaryDecoder INT4 = (data, offset, length) -> {
		check(length, 4, "int4");
		return int32(data, offset);
	};

	static final BinaryDecoder INT8 = (data, offset, length) -> {
		check(length, 8, "int8");
		return int64(data, offset);
	};

	/** {@code oid} is an unsigned 32-bit integer: a {@link Long}, as pgjdbc returns it. */
	static final BinaryDecoder OID = (data, offset, length) -> {
		check(length, 4, "oid");
		return Integer.toUnsignedLong(int32(data, offset));
	};

	static final BinaryDecoder FLOAT4 = (data, offset, length) -> {
		check(length, 4, "float4");
		return Float.intBitsToFloat(int32(data, offset));
	};

	static final BinaryDecoder FLOAT8 = (data, offset, length) -> {
		check(length, 8, "float8");
		return Double.longBitsToDouble(int64(data, offset));
	};

	static final BinaryDecoder BOOL = (data, offset, length) -> {
		check(length, 1, "bool");
		return data[offset] != 0;
	};

	static final BinaryDecoder UUID_BINARY = (data, offset, length) -> {
		check(length, 16, "uuid");
		return new UUID(int64(data, offset), int64(data, offset + 8));
	};

	static final BinaryDecoder BYTEA = (data, offset, length) -> Arrays.copyOfRange(data, offset, offset + length);

	static final BinaryDecoder DATE = (data, offset, length) -> {
		check(length, 4, "date");
		int days = int32(data, offset);
		if (days == Integer.MAX_VALUE) {
			return LocalDate.MAX;
		}
		if (days == Integer.MIN_VALUE) {
			return LocalDate.MIN;
		}
		return LocalDate.ofEpochDay(days + POSTGRES_EPOCH_DAYS);
	};

	static final BinaryDecoder TIME = (data, offset, length) -> {
		check(length, 8, "time");
		return time(int64(data, offset));
	};

	/** {@code timetz}: microseconds of the day, then the zone as seconds <em>west</em> of UTC. */
	static final BinaryDecoder TIMETZ = (data, offset, length) -> {
		check(length, 12, "timetz");
		int secondsWest = int32(data, offset + 8);
		return OffsetTime.of(time(int64(data, offset)), ZoneOffset.ofTotalSeconds(-secondsWest));
	};

	static final BinaryDecoder TIMESTAMP = (data, offset, length) -> {
		check(length, 8, "timestamp");
		long micros = int64(data, offset);
		if (micros == Long.MAX_VALUE) {
			return LocalDateTime.MAX;
		}
		if (micros == Long.MIN_VALUE) {
			return LocalDateTime.MIN;
		}
		return localDateTime(micros);
	};

	static final BinaryDecoder TIMESTAMPTZ = (data, offset, length) -> {
		check(length, 8, "timestamptz");
		long micros = int64(data, offset);
		if (micros == Long.MAX_VALUE) {
			return OffsetDateTime.MAX;
		}
		if (micros == Long.MIN_VALUE) {
			return OffsetDateTime.MIN;
		}
		return OffsetDateTime.of(localDateTime(micros), ZoneOffset.UTC);
	};

	private BinaryDecoders() {
	}

	private static LocalTime time(long micros) {
		return (micros >= MICROS_PER_DAY) ? LocalTime.MAX : LocalTime.ofNanoOfDay(micros * 1000);
	}

	private static LocalDateTime localDateTime(long micros) {
		long seconds = Math.floorDiv(micros, 1_000_000L);
		int nanos = (int) Math.floorMod(micros, 1_000_000L) * 1000;
		return LocalDateTime.ofEpochSecond(seconds + POSTGRES_EPOCH_SECONDS, nanos, ZoneOffset.UTC);
	}

	static void check(int length, int expected, String type) {
		if (length != expected) {
			throw new InvalidValueException("Binary " + type + " value must be " + expected + " bytes but is " + length);
		}
	}

	static int int16(byte[] data, int offset) {
		return (short) (((data[offset] & 0xff) << 8) | (data[offset + 1] & 0xff));
	}

	static int int32(byte[] data, int offset) {
		return ((data[offset] & 0xff) << 24) | ((data[offset + 1] & 0xff) << 16) | ((data[offset + 2] & 0xff) << 8)
				| (data[offset + 3] & 0xff);
	}

	static long int64(byte[] data, int offset) {
		return ((long) int32(data, offset) << 32) | (int32(data, offset + 4) & 0xffffffffL);
	}

}
