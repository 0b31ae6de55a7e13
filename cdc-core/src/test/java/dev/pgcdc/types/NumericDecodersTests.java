package dev.pgcdc.types;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class NumericDecodersTests {

	@Test
	void integersParseFromBytesIntoTheirBoxType() {
		assertThat(bytes(NumericDecoders.INT2, "-32768")).isEqualTo((short) -32768);
		assertThat(bytes(NumericDecoders.INT4, "2147483647")).isEqualTo(2147483647);
		assertThat(bytes(NumericDecoders.INT4, "-0")).isEqualTo(0);
		assertThat(bytes(NumericDecoders.INT8, "-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
		assertThat(bytes(NumericDecoders.INT8, "9223372036854775807")).isEqualTo(Long.MAX_VALUE);
		assertThat(bytes(NumericDecoders.INT8, "4294967295")).isEqualTo(4294967295L);
		assertThat(NumericDecoders.INT4.decode("42")).isEqualTo(42);
	}

	@Test
	void integerGarbageFailsWithThePositionNotTheText() {
		assertThatIllegalArgumentException().isThrownBy(() -> bytes(NumericDecoders.INT4, "12a"))
			.withMessageContaining("position 2")
			.withMessageNotContaining("12a");
		assertThatIllegalArgumentException().isThrownBy(() -> bytes(NumericDecoders.INT4, ""));
		assertThatIllegalArgumentException().isThrownBy(() -> bytes(NumericDecoders.INT8, "-"));
	}

	@Test
	void floatsKeepSpecialValues() {
		assertThat(NumericDecoders.FLOAT4.decode("NaN")).isEqualTo(Float.NaN);
		assertThat(NumericDecoders.FLOAT4.decode("-Infinity")).isEqualTo(Float.NEGATIVE_INFINITY);
		assertThat(NumericDecoders.FLOAT4.decode("3.4028235e+38")).isEqualTo(Float.MAX_VALUE);
		assertThat(NumericDecoders.FLOAT8.decode("Infinity")).isEqualTo(Double.POSITIVE_INFINITY);
		assertThat(NumericDecoders.FLOAT8.decode("1e-300")).isEqualTo(1e-300);
		assertThat(NumericDecoders.FLOAT8.decode("-0")).isEqualTo(-0.0d);
	}

	@Test
	void numericIsBigDecimalWithItsScaleAndSpecialValuesAreDoubles() {
		assertThat(NumericDecoders.NUMERIC.decode("12.50")).isEqualTo(new BigDecimal("12.50"));
		assertThat(NumericDecoders.NUMERIC.decode("NaN")).isEqualTo(Double.NaN);
		assertThat(NumericDecoders.NUMERIC.decode("Infinity")).isEqualTo(Double.POSITIVE_INFINITY);
		assertThat(NumericDecoders.NUMERIC.decode("-Infinity")).isEqualTo(Double.NEGATIVE_INFINITY);
		String thousandDigits = "9".repeat(600) + "." + "1".repeat(400);
		assertThat(NumericDecoders.NUMERIC.decode(thousandDigits)).isEqualTo(new BigDecimal(thousandDigits));
	}

	@Test
	void numericFromBytesEqualsTheBigDecimalOfItsText() {
		for (String text : new String[] { "0", "-0", "-0.00", "12.50", "0.14", "-12.345", "1.", "100000000",
				"123456789012345678", "-0.12345678901234567", "1234567890123456789", "0.000000000000000001",
				"9".repeat(600) + ".5" }) {
			assertThat(bytes(NumericDecoders.NUMERIC, text)).as(text).isEqualTo(new BigDecimal(text));
		}
		assertThat(bytes(NumericDecoders.NUMERIC, "NaN")).isEqualTo(Double.NaN);
		assertThat(bytes(NumericDecoders.NUMERIC, "-Infinity")).isEqualTo(Double.NEGATIVE_INFINITY);
		assertThatIllegalArgumentException().isThrownBy(() -> bytes(NumericDecoders.NUMERIC, "1.2.3"));
		assertThatIllegalArgumentException().isThrownBy(() -> bytes(NumericDecoders.NUMERIC, "-"));
	}

	@Test
	void boolIsTOrF() {
		assertThat(bytes(NumericDecoders.BOOL, "t")).isEqualTo(true);
		assertThat(NumericDecoders.BOOL.decode("f")).isEqualTo(false);
		assertThatIllegalArgumentException().isThrownBy(() -> bytes(NumericDecoders.BOOL, "x"))
			.withMessageContaining("neither t nor f");
	}

	private static Object bytes(TextDecoder decoder, String text) {
		byte[] padded = (">" + text + "<").getBytes(StandardCharsets.UTF_8);
		return decoder.decode(padded, 1, padded.length - 2);
	}

}
