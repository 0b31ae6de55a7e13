package dev.pgcdc.replication;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link RowMap} behaves as the {@code LinkedHashMap} rows it replaced, read-only.
 */
class RowMapTests {

	private final RowMap row = new RowMap(new String[] { "id", "name", "note", "unused" },
			new Object[] { 7, "Ada", null }, 3);

	@Test
	void readsLikeALinkedHashMapOfTheSameColumns() {
		Map<String, Object> expected = new LinkedHashMap<>();
		expected.put("id", 7);
		expected.put("name", "Ada");
		expected.put("note", null);
		assertThat(this.row).isEqualTo(expected).hasSameHashCodeAs(expected).hasToString(expected.toString());
		assertThat(expected).isEqualTo(this.row);
		assertThat(this.row.keySet()).containsExactly("id", "name", "note");
		assertThat(this.row.get("note")).isNull();
		assertThat(this.row.containsKey("note")).isTrue();
		assertThat(this.row.containsKey("unused")).isFalse();
		assertThat(this.row.get("unused")).isNull();
		assertThat(this.row.get(null)).isNull();
		assertThat(this.row.containsValue("Ada")).isTrue();
	}

	@Test
	void isReadOnly() {
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> this.row.put("id", 8));
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> this.row.entrySet().iterator().next().setValue(8));
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> this.row.remove("id"));
	}

}
