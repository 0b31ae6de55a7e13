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

}
