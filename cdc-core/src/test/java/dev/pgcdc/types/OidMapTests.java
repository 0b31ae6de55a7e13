package dev.pgcdc.types;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OidMapTests {

	@Test
	void growsKeepsFirstValueAndForgets() {
		OidMap map = new OidMap();
		for (int oid = 16384; oid < 16384 + 1000; oid++) {
			map.putIfAbsent(oid, TypeDecoder.text("t" + oid));
		}
		// unsigned OIDs above 2^31 are negative ints
		map.putIfAbsent(-5, TypeDecoder.text("high"));
		assertThat(map.putIfAbsent(16384, TypeDecoder.text("other")).name()).isEqualTo("t16384");
		for (int oid = 16384; oid < 16384 + 1000; oid++) {
			assertThat(map.get(oid).name()).isEqualTo("t" + oid);
		}
		assertThat(map.get(-5).name()).isEqualTo("high");
		assertThat(map.get(42)).isNull();
		map.remove(16500);
		assertThat(map.get(16500)).isNull();
		assertThat(map.get(16501).name()).isEqualTo("t16501");
	}

}
