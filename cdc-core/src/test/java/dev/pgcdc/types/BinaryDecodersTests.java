package dev.pgcdc.types;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Binary decoders on bytes built as the PostgreSQL send functions write them (big-endian).
 * The fidelity tests check the same decoders on bytes from the server itself.
 */
class BinaryDecodersTests {

	@Test
	void integersFloatsBoolAndOid() throws IOException {
		assertThat(decode(BinaryDecoders.INT2, (out) -> out.writeShort(-2))).isEqualTo((short) -2);
		assertThat(decode(BinaryDecoders.INT4, (out) -> out.writeInt(Integer.MIN_VALUE))).isEqualTo(Integer.MIN_VALUE);
		assertThat(decode(BinaryDecoders.INT8, (out) -> out.writeLong(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
		assertThat(decode(BinaryDecoders.OID, (out) -> out.writeInt(-1))).isEqualTo(4294967295L);
		assertThat(decode(BinaryDecoders.FLOAT4, (out) -> out.writeFloat(Float.NaN))).isEqualTo(Float.NaN);
		assertThat(decode(BinaryDecoders.FLOAT8, (out) -> out.writeDouble(Double.NEGATIVE_INFINITY)))
			.isEqualTo(Double.NEGATIVE_INFINITY);
		assertThat(decode(BinaryDecoders.BOOL, (out) -> out.writeByte(1))).isEqualTo(true);
	}

	@Test
	void wrongLengthFailsNamingTheType() {
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BinaryDecoders.INT4, (out) -> out.writeShort(1)))
			.withMessageContaining("int4")
			.withMessageContaining("4 bytes");
	}

	@Test
	void uuidAndBytea() throws IOException {
		UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
		assertThat(decode(BinaryDecoders.UUID_BINARY, (out) -> {
			out.writeLong(uuid.getMostSignificantBits());
			out.writeLong(uuid.getLeastSignificantBits());
		})).isEqualTo(uuid);
		assertThat(decode(BinaryDecoders.BYTEA, (out) -> out.write(new byte[] { 0, -1, 0 })))
			.isEqualTo(new byte[] { 0, -1, 0 });
	}

	@Test
	void datesAndTimestampsCountFrom2000WithInfinityAtTheExtremes() throws IOException {
		assertThat(decode(BinaryDecoders.DATE, (out) -> out.writeInt(-1))).isEqualTo(LocalDate.of(1999, 12, 31));
		assertThat(decode(BinaryDecoders.DATE, (out) -> out.writeInt(Integer.MAX_VALUE))).isEqualTo(LocalDate.MAX);
		assertThat(decode(BinaryDecoders.DATE, (out) -> out.writeInt(Integer.MIN_VALUE))).isEqualTo(LocalDate.MIN);
		assertThat(decode(BinaryDecoders.TIMESTAMP, (out) -> out.writeLong(-1)))
			.isEqualTo(LocalDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_000));
		assertThat(decode(BinaryDecoders.TIMESTAMP, (out) -> out.writeLong(Long.MIN_VALUE))).isEqualTo(LocalDateTime.MIN);
		assertThat(decode(BinaryDecoders.TIMESTAMPTZ, (out) -> out.writeLong(1_500_000)))
			.isEqualTo(OffsetDateTime.of(2000, 1, 1, 0, 0, 1, 500_000_000, ZoneOffset.UTC));
		assertThat(decode(BinaryDecoders.TIMESTAMPTZ, (out) -> out.writeLong(Long.MAX_VALUE)))
			.isEqualTo(OffsetDateTime.MAX);
	}

	@Test
	void timesAndTimetzWhoseZoneCountsSecondsWestOfUtc() throws IOException {
		assertThat(decode(BinaryDecoders.TIME, (out) -> out.writeLong(3_600_000_001L)))
			.isEqualTo(LocalTime.of(1, 0, 0, 1000));
		assertThat(decode(BinaryDecoders.TIME, (out) -> out.writeLong(86_400_000_000L))).isEqualTo(LocalTime.MAX);
		assertThat(decode(BinaryDecoders.TIMETZ, (out) -> {
			out.writeLong(0);
			out.writeInt(-19800);
		})).isEqualTo(OffsetTime.of(0, 0, 0, 0, ZoneOffset.ofHoursMinutes(5, 30)));
	}

	@Test
	void numericKeepsDisplayScaleAndSpecialValues() throws IOException {
		// 12.50: digits [12, 5000], weight 0, dscale 2
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(0, 0, 2, 12, 5000))).isEqualTo(new BigDecimal("12.50"));
		// -10000: digits [1], weight 1
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(1, 0x4000, 0, 1))).isEqualTo(new BigDecimal("-10000"));
		// 0.0001: digits [1], weight -1, dscale 4
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(-1, 0, 4, 1))).isEqualTo(new BigDecimal("0.0001"));
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(0, 0, 3))).isEqualTo(new BigDecimal("0.000"));
		// more than four base-10000 digits take the BigInteger path
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(5, 0, 4, 12, 3456, 7890, 1234, 5678, 9012, 3456)))
			.isEqualTo(new BigDecimal("1234567890123456789012.3456"));
		// 1.000000: fewer digits sent than displayed; 1234.5 with scale 1: more sent than displayed
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(0, 0, 6, 1))).isEqualTo(new BigDecimal("1.000000"));
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(0, 0x4000, 1, 1234, 5000)))
			.isEqualTo(new BigDecimal("-1234.5"));
		// four base-10000 digits, the most a long holds, and a display scale that drops sent digits
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(1, 0, 2, 9999, 9999, 9999, 9999)))
			.isEqualTo(new BigDecimal("99999999.99"));
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(-3, 0, 12, 1))).isEqualTo(new BigDecimal("0.000000000001"));
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(0, 0xC000, 0))).isEqualTo(Double.NaN);
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(0, 0xD000, 0))).isEqualTo(Double.POSITIVE_INFINITY);
		assertThat(decode(BinaryNumericDecoder.INSTANCE, numeric(0, 0xF000, 0))).isEqualTo(Double.NEGATIVE_INFINITY);
	}

	@Test
	void arraysNestWithNullsAndEmptyArraysHaveNoDimensions() throws IOException {
		BinaryArrayDecoder ints = new BinaryArrayDecoder(BinaryDecoders.INT4);
		Object twoByTwo = decode(ints, (out) -> {
			out.writeInt(2);
			out.writeInt(1);
			out.writeInt(23);
			out.writeInt(2);
			out.writeInt(1);
			out.writeInt(2);
			out.writeInt(0);
			for (Integer value : Arrays.asList(1, null, 3, 4)) {
				if (value == null) {
					out.writeInt(-1);
				}
				else {
					out.writeInt(4);
					out.writeInt(value);
				}
			}
		});
		assertThat(twoByTwo).isEqualTo(List.of(Arrays.asList(1, null), List.of(3, 4)));
		assertThat(decode(ints, (out) -> {
			out.writeInt(0);
			out.writeInt(0);
			out.writeInt(23);
		})).isEqualTo(List.of());
	}

	@Test
	void bitStringsAndTheSingleBitAsBoolean() throws IOException {
		assertThat(decode(ScalarDecoders.BIT_BINARY, (out) -> {
			out.writeInt(1);
			out.writeByte(0x80);
		})).isEqualTo(true);
		assertThat(decode(ScalarDecoders.BIT_BINARY, (out) -> {
			out.writeInt(10);
			out.writeByte(0b1010_0000);
			out.writeByte(0b0100_0000);
		})).isEqualTo("1010000001");
	}

	@Test
	void arrayHeadersAreCheckedAgainstTheBytesPresent() throws IOException {
		BinaryArrayDecoder ints = new BinaryArrayDecoder(BinaryDecoders.INT4);
		// 2^31 - 1 elements declared, one present: no list of that size may be allocated
		assertThatIllegalArgumentException().isThrownBy(() -> decode(ints, array(1, Integer.MAX_VALUE)))
			.withMessageContaining("cannot hold 2147483647 elements");
		// 2^16 x 2^15 = 2^31 elements, more than an int counts
		assertThatIllegalArgumentException().isThrownBy(() -> decode(ints, array(1, 65536, 32768)))
			.withMessageContaining("cannot hold 2147483648 elements");
		assertThatIllegalArgumentException().isThrownBy(() -> decode(ints, array(1, Integer.MIN_VALUE)))
			.withMessageContaining("dimension 1 has length -2147483648");
		assertThatIllegalArgumentException().isThrownBy(() -> decode(ints, array(1, 1, 1, 1, 1, 1, 1, 1)))
			.withMessageContaining("7 dimensions, more than 6");
		assertThat(decode(ints, array(1, 1, 1, 1, 1, 1, 1))).isEqualTo(List.of(List.of(List.of(List.of(List.of(List.of(7)))))));
		// a dimension of length 0 is an empty array, as array_recv makes it
		assertThat(decode(ints, array(0, 2, 0))).isEqualTo(List.of());
	}

	@Test
	void truncatedArraysFailInsteadOfReadingPastTheValue() throws IOException {
		BinaryArrayDecoder ints = new BinaryArrayDecoder(BinaryDecoders.INT4);
		// 20 bytes of header, two elements of 8 bytes, then bytes that would make a valid element
		byte[] value = bytes((out) -> {
			array(2, 2).write(out);
			out.writeInt(4);
			out.writeInt(8);
		});
		assertThatIllegalArgumentException().isThrownBy(() -> ints.decode(value, 0, 28))
			.withMessageContaining("ends inside an element length");
		assertThatIllegalArgumentException().isThrownBy(() -> ints.decode(value, 0, 34))
			.withMessageContaining("element length 4 is out of bounds");
		assertThatIllegalArgumentException().isThrownBy(() -> ints.decode(value, 0, 16))
			.withMessageContaining("ends inside its header");
		assertThatIllegalArgumentException().isThrownBy(() -> ints.decode(value, 0, 8))
			.withMessageContaining("at least 12 bytes");
	}

	@Test
	void malformedNumericsAndBitStringsFail() {
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BinaryNumericDecoder.INSTANCE, numeric(0, 0x1234, 0, 1)))
			.withMessageContaining("sign 0x1234");
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BinaryNumericDecoder.INSTANCE, numeric(0, 0, 0x4000, 1)))
			.withMessageContaining("display scale 16384");
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BinaryNumericDecoder.INSTANCE, numeric(0, 0, 0, 10000)))
			.withMessageContaining("digit 10000");
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BinaryNumericDecoder.INSTANCE, (out) -> out.writeInt(3)))
			.withMessageContaining("at least 8 bytes");
		assertThatIllegalArgumentException().isThrownBy(() -> decode(ScalarDecoders.BIT_BINARY, (out) -> out.writeShort(1)))
			.withMessageContaining("at least 4 bytes");
		assertThatIllegalArgumentException().isThrownBy(() -> decode(ScalarDecoders.VARBIT_BINARY, (out) -> {
			out.writeInt(Integer.MAX_VALUE);
			out.writeByte(1);
		})).withMessageContaining("2147483647 bits has 5 bytes");
	}

	/** An int4 array with these dimension lengths, then {@code elements} elements of value 7. */
	private static Writer array(int elements, int... sizes) {
		return (out) -> {
			out.writeInt(sizes.length);
			out.writeInt(0);
			out.writeInt(23);
			for (int size : sizes) {
				out.writeInt(size);
				out.writeInt(1);
			}
			for (int i = 0; i < elements; i++) {
				out.writeInt(4);
				out.writeInt(7);
			}
		};
	}

	private static Writer numeric(int weight, int sign, int displayScale, int... digits) {
		return (out) -> {
			out.writeShort(digits.length);
			out.writeShort(weight);
			out.writeShort(sign);
			out.writeShort(displayScale);
			for (int digit : digits) {
				out.writeShort(digit);
			}
		};
	}

	private static Object decode(BinaryDecoder decoder, Writer writer) throws IOException {
		byte[] value = bytes(writer);
		byte[] data = new byte[value.length + 2];
		System.arraycopy(value, 0, data, 2, value.length);
		return decoder.decode(data, 2, value.length);
	}

	private static byte[] bytes(Writer writer) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		DataOutputStream out = new DataOutputStream(bytes);
		writer.write(out);
		out.flush();
		return bytes.toByteArray();
	}

	@FunctionalInterface
	private interface Writer {

		void write(DataOutputStream out) throws IOException;

	}

}
