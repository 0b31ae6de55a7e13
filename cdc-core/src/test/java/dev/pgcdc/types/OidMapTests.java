package dev.pgcdc.types;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OidMapTests {

	@Test
	void growsReplacesOnlyWhatTheCallerFoundAndForgets() {
		OidMap map = new OidMap();
		for (int oid = 16384; oid < 16384 + 1000; oid++) {
			map.replace(oid, null, TypeDecoder.text("t" + oid));
		}
		// unsigned OIDs above 2^31 are negative ints
		map.replace(-5, null, TypeDecoder.text("high"));
		assertThat(map.replace(16384, null, TypeDecoder.text("other")).name()).isEqualTo("t16384");
		TypeDecoder found = map.get(16385);
		assertThat(map.replace(16385, found, TypeDecoder.text("newer")).name()).isEqualTo("newer");
		assertThat(map.replace(16385, found, TypeDecoder.text("stale")).name()).isEqualTo("newer");
		map.replace(16385, map.get(16385), TypeDecoder.text("t16385"));
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
