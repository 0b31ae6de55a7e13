package dev.pgcdc.types;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.pgoutput.PgOutputMessage;
import dev.pgcdc.pgoutput.TupleData;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TypeRegistryTests {

	private static final int MOOD = 16400;

	private static final int MOOD_ARRAY = 16399;

	private static final int POSINT = 16410;

	private static final int POSINT_LIST = 16411;

	private static final Map<Integer, PgType> CATALOG = Map.of(
			MOOD, new PgType(MOOD, "sales", "mood", 'e', 0, 0, ',', "enum_send"),
			MOOD_ARRAY, new PgType(MOOD_ARRAY, "sales", "_mood", 'b', 0, MOOD, ',', "array_send"),
			POSINT, new PgType(POSINT, "public", "posint", 'd', 23, 0, ',', "int4send"),
			POSINT_LIST, new PgType(POSINT_LIST, "public", "posint_list", 'd', 1007, 0, ',', "array_send"));

	private final AtomicInteger lookUps = new AtomicInteger();

	private final TypeRegistry registry = new TypeRegistry((oid) -> {
		this.lookUps.incrementAndGet();
		return Optional.ofNullable(CATALOG.get(oid));
	});

	@Test
	void builtInTypesDecodeWithoutTheCatalog() {
		assertThat(this.registry.decode(23, -1, text("42"), 0)).isEqualTo(42);
		assertThat(this.registry.decode(1007, -1, text("{1,NULL}"), 0)).isEqualTo(java.util.Arrays.asList(1, null));
		assertThat(this.registry.typeName(23)).isEqualTo("int4");
		assertThat(this.registry.typeName(1009)).isEqualTo("_text");
		assertThat(this.lookUps).hasValue(0);
	}

	@Test
	void enumsDomainsAndTheirArraysResolveOnceThroughTheCatalog() {
		assertThat(this.registry.decode(MOOD_ARRAY, -1, text("{happy,sad}"), 0)).isEqualTo(List.of("happy", "sad"));
		assertThat(this.registry.decode(POSINT, -1, text("5"), 0)).isEqualTo(5);
		assertThat(this.registry.decode(POSINT_LIST, -1, text("{5,6}"), 0)).isEqualTo(List.of(5, 6));
		int afterFirstUse = this.lookUps.get();
		for (int i = 0; i < 3; i++) {
			this.registry.decode(MOOD_ARRAY, -1, text("{happy}"), 0);
			this.registry.decode(POSINT, -1, text("7"), 0);
		}
		assertThat(this.lookUps).hasValue(afterFirstUse);
		assertThat(this.registry.typeName(MOOD)).isEqualTo("sales.mood");
		assertThat(this.registry.typeName(POSINT)).isEqualTo("posint");
		assertThat(this.registry.supportsBinary(POSINT)).isTrue();
		assertThat(this.registry.supportsBinary(MOOD_ARRAY)).isTrue();
	}

	@Test
	void unknownTypesDecodeAsTextAndAreNamedByTheirTypeMessage() {
		TypeRegistry withoutCatalog = new TypeRegistry();
		assertThat(withoutCatalog.decode(99999, -1, text("(1,x)"), 0)).isEqualTo("(1,x)");
		assertThat(withoutCatalog.typeName(99999)).isEqualTo("oid:99999");
		withoutCatalog.register(new PgOutputMessage.Type(0, 99999, "public", "citext"));
		assertThat(withoutCatalog.typeName(99999)).isEqualTo("citext");
		assertThat(withoutCatalog.supportsBinary(99999)).isFalse();
	}

	@Test
	void aFailingCatalogMeansTextNotAnExceptionAndTheNextTypeMessageRetries() {
		AtomicInteger calls = new AtomicInteger();
		TypeRegistry flaky = new TypeRegistry((oid) -> {
			if (calls.incrementAndGet() == 1) {
				throw new IllegalStateException("connection refused");
			}
			return Optional.ofNullable(CATALOG.get(oid));
		});
		assertThat(flaky.decode(POSINT, -1, text("5"), 0)).isEqualTo("5");
		assertThat(flaky.decode(POSINT, -1, text("5"), 0)).isEqualTo("5");
		assertThat(calls).hasValue(1);
		flaky.register(new PgOutputMessage.Type(0, POSINT, "public", "posint"));
		assertThat(flaky.decode(POSINT, -1, text("5"), 0)).isEqualTo(5);
	}

	@Test
	void aTypeMessageForAResolvedTypeCausesNoNewLookUp() {
		this.registry.decode(POSINT, -1, text("5"), 0);
		int lookUps = this.lookUps.get();
		this.registry.register(new PgOutputMessage.Type(0, POSINT, "public", "posint"));
		this.registry.decode(POSINT, -1, text("5"), 0);
		assertThat(this.lookUps).hasValue(lookUps);
	}

	@Test
	void binaryValueOfATypeWithoutBinaryDecoderFailsNamingTheType() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.decode(1186, -1, tuple(TupleData.BINARY, new byte[16]), 0))
			.withMessageContaining("interval")
			.withMessageContaining("binary");
		assertThat(this.registry.supportsBinary(1186)).isFalse();
		assertThat(this.registry.supportsBinary(1700)).isTrue();
	}

	@Test
	void aValueThatDoesNotParseFailsNamingItsType() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.registry.decode(1082, -1, text("02/29/2024"), 0))
			.withMessageContaining("text value of type date (OID 1082)")
			.withMessageContaining("DateStyle");
	}

	@Test
	void nullGivesNullAndUnchangedToastIsRefused() {
		assertThat(this.registry.decode(23, -1, tuple(TupleData.NULL, new byte[0]), 0)).isNull();
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.decode(23, -1, tuple(TupleData.UNCHANGED_TOAST, new byte[0]), 0))
			.withMessageContaining("TOAST");
	}

	private static TupleData text(String value) {
		return tuple(TupleData.TEXT, value.getBytes(StandardCharsets.UTF_8));
	}

	private static TupleData tuple(byte kind, byte[] bytes) {
		return new TupleData(new byte[] { kind }, bytes, new int[] { 0 }, new int[] { bytes.length });
	}

}
