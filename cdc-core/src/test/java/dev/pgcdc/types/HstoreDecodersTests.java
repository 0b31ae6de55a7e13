package dev.pgcdc.types;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class HstoreDecodersTests {

	@Test
	void quotedPairsWithEscapesAndNullValues() {
		Map<String, String> expected = new LinkedHashMap<>();
		expected.put("a", "1");
		expected.put("b c", null);
		expected.put("q\"x", "\\");
		assertThat(HstoreDecoders.TEXT.decode("\"a\"=>\"1\", \"b c\"=>NULL, \"q\\\"x\"=>\"\\\\\"")).isEqualTo(expected);
	}

	@Test
	void emptyAndUnquotedForms() {
		assertThat(HstoreDecoders.TEXT.decode("")).isEqualTo(Map.of());
		assertThat(HstoreDecoders.TEXT.decode("a=>b,c => d")).isEqualTo(Map.of("a", "b", "c", "d"));
	}

	@Test
	void malformedTextFails() {
		assertThatIllegalArgumentException().isThrownBy(() -> HstoreDecoders.TEXT.decode("\"a\"=\"b\""))
			.withMessageContaining("'=>' expected");
		assertThatIllegalArgumentException().isThrownBy(() -> HstoreDecoders.TEXT.decode("NULL=>\"b\""))
			.withMessageContaining("key cannot be NULL");
	}

	@Test
	void binaryPairs() {
		byte[] bytes = { 0, 0, 0, 2, 0, 0, 0, 1, 'k', 0, 0, 0, 1, 'v', 0, 0, 0, 1, 'n', -1, -1, -1, -1 };
		Map<String, String> expected = new LinkedHashMap<>();
		expected.put("k", "v");
		expected.put("n", null);
		assertThat(HstoreDecoders.BINARY.decode(bytes, 0, bytes.length)).isEqualTo(expected);
	}

	@Test
	void binaryLengthsAreCheckedAgainstTheValueNotTheBuffer() {
		// the count says two pairs, the value holds one; the bytes after it belong to something else
		byte[] bytes = { 0, 0, 0, 2, 0, 0, 0, 1, 'k', 0, 0, 0, 1, 'v', 0, 0, 0, 1, 'x', 0, 0, 0, 1, 'y' };
		assertThatIllegalArgumentException().isThrownBy(() -> HstoreDecoders.BINARY.decode(bytes, 0, 14))
			.withMessageContaining("cannot hold 2 pairs");
		assertBinaryFails("at least 4 bytes", 0, 0);
		assertBinaryFails("cannot hold 2147483647 pairs", 0x7f, -1, -1, -1, 0, 0, 0, 0);
		assertBinaryFails("key length -1", 0, 0, 0, 1, -1, -1, -1, -1, 0, 0, 0, 0);
		assertBinaryFails("ends inside", 0, 0, 0, 1, 0, 0, 0, 3, 'k', 0, 0, 0);
		assertBinaryFails("value length 9", 0, 0, 0, 1, 0, 0, 0, 1, 'k', 0, 0, 0, 9, 'v');
		assertBinaryFails("1 bytes after", 0, 0, 0, 0, 7);
	}

	private static void assertBinaryFails(String message, int... values) {
		byte[] bytes = new byte[values.length];
		for (int i = 0; i < values.length; i++) {
			bytes[i] = (byte) values[i];
		}
		assertThatIllegalArgumentException().isThrownBy(() -> HstoreDecoders.BINARY.decode(bytes, 0, bytes.length))
			.withMessageContaining(message);
	}

}
