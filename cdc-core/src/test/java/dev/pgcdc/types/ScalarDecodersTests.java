package dev.pgcdc.types;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ScalarDecodersTests {

	@Test
	void byteaInHexAndEscapeOutput() {
		assertThat(ScalarDecoders.BYTEA.decode("\\x00ff10")).isEqualTo(new byte[] { 0, -1, 16 });
		assertThat(ScalarDecoders.BYTEA.decode("\\x")).isEqualTo(new byte[0]);
		assertThat(ScalarDecoders.BYTEA.decode("a\\000\\\\\\377")).isEqualTo(new byte[] { 'a', 0, '\\', -1 });
		assertThatIllegalArgumentException().isThrownBy(() -> ScalarDecoders.BYTEA.decode("\\x0g"));
	}

	@Test
	void uuidParsesBothCasesFromTextAndBytes() {
		UUID expected = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
		assertThat(ScalarDecoders.UUID_TEXT.decode("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")).isEqualTo(expected);
		assertThat(bytes(ScalarDecoders.UUID_TEXT, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")).isEqualTo(expected);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ScalarDecoders.UUID_TEXT.decode("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1z"));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> bytes(ScalarDecoders.UUID_TEXT, "a0eebc99x9c0b-4ef8-bb6d-6bb9bd380a11"))
			.withMessageContaining("position 8");
	}

	private static Object bytes(TextDecoder decoder, String text) {
		byte[] padded = (">" + text + "<").getBytes(StandardCharsets.UTF_8);
		return decoder.decode(padded, 1, padded.length - 2);
	}

	@Test
	void jsonKeepsNumbersExact() {
		JsonNode node = (JsonNode) ScalarDecoders.JSON.decode("{\"n\": 0.1000000000000000000001, \"big\": 123456789012345678901234567890}");
		assertThat(node.get("n").decimalValue()).isEqualTo(new BigDecimal("0.1000000000000000000001"));
		assertThat(node.get("big").bigIntegerValue()).hasToString("123456789012345678901234567890");
	}

	@Test
	void jsonbBinaryHasAVersionByte() {
		byte[] bytes = "\u0001[1,\"é\"]".getBytes(StandardCharsets.UTF_8);
		JsonNode node = (JsonNode) ScalarDecoders.JSONB_BINARY.decode(bytes, 0, bytes.length);
		assertThat(node.get(1).asString()).isEqualTo("é");
		byte[] wrongVersion = "\u0002[]".getBytes(StandardCharsets.UTF_8);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ScalarDecoders.JSONB_BINARY.decode(wrongVersion, 0, wrongVersion.length))
			.withMessageContaining("version 2");
	}

	@Test
	void jsonNestedAThousandLevelsWithNumbersOfThousandsOfDigitsIsAJsonNode() {
		String digits = "1234567890".repeat(200);
		JsonNode deep = (JsonNode) ScalarDecoders.JSON.decode("[".repeat(999) + "{\"n\": " + digits + "}" + "]".repeat(999));
		JsonNode innermost = deep;
		for (int i = 0; i < 999; i++) {
			innermost = innermost.get(0);
		}
		assertThat(innermost.get("n").bigIntegerValue()).hasToString(digits);
		// the longest numeric jsonb can print
		String longest = "-" + "9".repeat(131_072) + "." + "9".repeat(16_383);
		JsonNode numeric = (JsonNode) ScalarDecoders.JSON.decode("[" + longest + "]");
		assertThat(numeric.get(0).decimalValue()).isEqualTo(new BigDecimal(longest));
	}

	@Test
	void jsonNestedDeeperThanTheLimitFailsNamingTheLimit() {
		String tooDeep = "[".repeat(1_001) + "]".repeat(1_001);
		assertThatIllegalArgumentException().isThrownBy(() -> ScalarDecoders.JSON.decode(tooDeep))
			.withMessageContaining("nesting depth (1001) exceeds the maximum allowed (1000");
	}

	@Test
	void invalidJsonFailsClearly() {
		assertThatIllegalArgumentException().isThrownBy(() -> ScalarDecoders.JSON.decode("{nope"))
			.withMessageStartingWith("Invalid JSON value");
	}

	@Test
	void bitOfOneIsBooleanLongerBitsAreText() {
		assertThat(ScalarDecoders.BIT.decode("1")).isEqualTo(true);
		assertThat(ScalarDecoders.BIT.decode("0")).isEqualTo(false);
		assertThat(ScalarDecoders.BIT.decode("0101")).isEqualTo("0101");
	}

}
