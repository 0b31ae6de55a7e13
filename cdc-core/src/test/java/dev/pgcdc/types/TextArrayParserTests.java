package dev.pgcdc.types;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TextArrayParserTests {

	private static List<Object> strings(String text) {
		return TextArrayParser.parse(text, ',', ScalarDecoders.STRING);
	}

	@Test
	void emptyArrayIsAnEmptyList() {
		assertThat(strings("{}")).isEmpty();
	}

	@Test
	void unquotedNullIsNullButQuotedNullIsText() {
		assertThat(strings("{a,NULL,\"NULL\",null}")).containsExactly("a", null, "NULL", null);
	}

	@Test
	void quotedElementsUnescapeQuotesAndBackslashesAndKeepDelimitersAndSpaces() {
		assertThat(strings("{\"a,b\",\"c\\\"d\",\"e\\\\f\",\" sp \",\"\",\"{x}\",😀}"))
			.containsExactly("a,b", "c\"d", "e\\f", " sp ", "", "{x}", "😀");
	}

	@Test
	void dimensionsNestAndBoundsAreDropped() {
		List<?> nested = TextArrayParser.parse("{{1,2},{3,NULL}}", ',', NumericDecoders.INT4);
		assertThat(nested).isEqualTo(List.of(List.of(1, 2), Arrays.asList(3, null)));
		assertThat(TextArrayParser.parse("[0:1][1:1]={{1},{2}}", ',', NumericDecoders.INT4))
			.isEqualTo(List.of(List.of(1), List.of(2)));
	}

	@Test
	void elementsGoThroughTheElementDecoderWithItsDelimiter() {
		assertThat(TextArrayParser.parse("{(1,1),(0,0);(2,2),(1,1)}", ';', ScalarDecoders.STRING))
			.containsExactly("(1,1),(0,0)", "(2,2),(1,1)");
		assertThat(TextArrayParser.parse("{2024-01-01,infinity}", ',', TemporalDecoders.DATE))
			.containsExactly(java.time.LocalDate.of(2024, 1, 1), java.time.LocalDate.MAX);
	}

	@Test
	void listsAreUnmodifiable() {
		List<Object> list = strings("{a}");
		assertThat(list.getClass().getName()).contains("Unmodifiable");
	}

	@Test
	void moreThanSixDimensionsFailWithoutRecursingDeeper() {
		assertThat(strings("{{{{{{x}}}}}}")).isEqualTo(List.of(List.of(List.of(List.of(List.of(List.of("x")))))));
		assertThatIllegalArgumentException().isThrownBy(() -> strings("{{{{{{{x}}}}}}}"))
			.withMessageContaining("more than 6 dimensions");
		for (int depth : new int[] { 3_050, 100_000 }) {
			String deep = "{".repeat(depth) + "}".repeat(depth);
			assertThatIllegalArgumentException().isThrownBy(() -> strings(deep))
				.withMessageContaining("more than 6 dimensions");
		}
	}

	@Test
	void malformedTextFailsWithThePositionButNotTheValue() {
		assertThatIllegalArgumentException().isThrownBy(() -> strings("{secret,b"))
			.withMessageContaining("position 9")
			.withMessageNotContaining("secret");
		assertThatIllegalArgumentException().isThrownBy(() -> strings("a,b}")).withMessageContaining("position 0");
		assertThatIllegalArgumentException().isThrownBy(() -> strings("{\"a}"))
			.withMessageContaining("unterminated");
		assertThatIllegalArgumentException().isThrownBy(() -> strings("{a}x")).withMessageContaining("trailing");
	}

}
