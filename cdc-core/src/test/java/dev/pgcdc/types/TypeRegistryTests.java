package dev.pgcdc.types;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TypeRegistryTests {

	private static final int MOOD = 16400;

	private static final int MOOD_ARRAY = 16399;

	private static final int POSINT = 16410;

	private static final int POSINT_LIST = 16411;

	private static final int POSINT_ALIAS = 16412;

	private static final Map<Integer, PgType> CATALOG = Map.of(
			MOOD, new PgType(MOOD, "sales", "mood", 'e', 0, 0, ',', "enum_send"),
			MOOD_ARRAY, new PgType(MOOD_ARRAY, "sales", "_mood", 'b', 0, MOOD, ',', "array_send"),
			POSINT, new PgType(POSINT, "public", "posint", 'd', 23, 0, ',', "int4send"),
			POSINT_LIST, new PgType(POSINT_LIST, "public", "posint_list", 'd', 1007, 0, ',', "array_send"),
			POSINT_ALIAS, new PgType(POSINT_ALIAS, "public", "posint_alias", 'd', POSINT, 0, ',', "int4send"));

	private final AtomicInteger lookUps = new AtomicInteger();

	private final TypeRegistry registry = new TypeRegistry((oid) -> {
		this.lookUps.incrementAndGet();
		return Optional.ofNullable(CATALOG.get(oid));
	});

	@Test
	void builtInTypesDecodeWithoutTheCatalog() {
		assertThat(text(this.registry, 23, "42")).isEqualTo(42);
		assertThat(text(this.registry, 1007, "{1,NULL}")).isEqualTo(java.util.Arrays.asList(1, null));
		assertThat(this.registry.typeName(23)).isEqualTo("int4");
		assertThat(this.registry.typeName(1009)).isEqualTo("_text");
		assertThat(this.lookUps).hasValue(0);
	}

	@Test
	void enumsDomainsAndTheirArraysResolveOnceThroughTheCatalog() {
		assertThat(text(this.registry, MOOD_ARRAY, "{happy,sad}")).isEqualTo(List.of("happy", "sad"));
		assertThat(text(this.registry, POSINT, "5")).isEqualTo(5);
		assertThat(text(this.registry, POSINT_LIST, "{5,6}")).isEqualTo(List.of(5, 6));
		int afterFirstUse = this.lookUps.get();
		for (int i = 0; i < 3; i++) {
			text(this.registry, MOOD_ARRAY, "{happy}");
			text(this.registry, POSINT, "7");
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
		assertThat(text(withoutCatalog, 99999, "(1,x)")).isEqualTo("(1,x)");
		assertThat(withoutCatalog.typeName(99999)).isEqualTo("oid:99999");
		withoutCatalog.register(99999, "public", "citext");
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
		assertThat(text(flaky, POSINT, "5")).isEqualTo("5");
		assertThat(text(flaky, POSINT, "5")).isEqualTo("5");
		assertThat(calls).hasValue(1);
		flaky.register(POSINT, "public", "posint");
		assertThat(text(flaky, POSINT, "5")).isEqualTo(5);
	}

	@Test
	void aDomainOverATypeWhoseLookUpFailedIsLookedUpAgainWithIt() {
		AtomicBoolean failNext = new AtomicBoolean(true);
		AtomicLong now = new AtomicLong();
		TypeRegistry flaky = new TypeRegistry((oid) -> {
			if (oid == POSINT && failNext.getAndSet(false)) {
				throw new IllegalStateException("timeout");
			}
			return Optional.ofNullable(CATALOG.get(oid));
		}, Duration.ofSeconds(30), now::get);
		assertThat(text(flaky, POSINT_ALIAS, "5")).isEqualTo("5");
		assertThat(flaky.typeName(POSINT_ALIAS)).isEqualTo("posint_alias");
		now.addAndGet(Duration.ofSeconds(30).toNanos());
		assertThat(text(flaky, POSINT_ALIAS, "5")).isEqualTo(5);
		assertThat(text(flaky, POSINT, "6")).isEqualTo(6);
	}

	@Test
	void aTypeMessageForAResolvedTypeCausesNoNewLookUp() {
		text(this.registry, POSINT, "5");
		int lookUps = this.lookUps.get();
		this.registry.register(POSINT, "public", "posint");
		text(this.registry, POSINT, "5");
		assertThat(this.lookUps).hasValue(lookUps);
	}

	@Test
	void binaryValueOfATypeWithoutBinaryDecoderFailsNamingTheType() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.decode(1186, new byte[16], 0, 16, true))
			.withMessageContaining("interval")
			.withMessageContaining("binary");
		assertThat(this.registry.supportsBinary(1186)).isFalse();
		assertThat(this.registry.supportsBinary(1700)).isTrue();
	}

	@Test
	void aValueThatDoesNotParseFailsNamingItsType() {
		assertThatIllegalArgumentException().isThrownBy(() -> text(this.registry, 1082, "02/29/2024"))
			.withMessageContaining("text value of type date (OID 1082)")
			.withMessageContaining("DateStyle");
	}

	@Test
	void malformedValuesFailNamingTheTypeButNeverQuotingTheValue() {
		String[][] cases = { { "23", "int4", "12secret", "secret" },
				{ "20", "int8", "1234567890123456789012secret", "secret" }, { "1700", "numeric", "1.2.secret", "secret" },
				{ "701", "float8", "secret", "secret" }, { "16", "bool", "secret", "secret" },
				{ "1082", "date", "9999-99-99", "99" }, { "1184", "timestamptz", "secret", "secret" },
				{ "2950", "uuid", "secret", "secret" }, { "3802", "jsonb", "{\"a\": secret}", "secret" },
				{ "1009", "_text", "{\"secret}", "secret" }, { "1007", "_int4", "{1,secret}", "secret" } };
		for (String[] malformed : cases) {
			assertThatIllegalArgumentException().as(malformed[1])
				.isThrownBy(() -> text(this.registry, Integer.parseInt(malformed[0]), malformed[2]))
				.withMessageStartingWith("Cannot decode a text value of type " + malformed[1] + " (OID " + malformed[0] + ")")
				.satisfies((ex) -> {
					for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
						assertThat(String.valueOf(cause.getMessage())).as(malformed[1]).doesNotContain(malformed[3]);
					}
				});
		}
	}

	@Test
	void noErrorEscapesADecode() {
		String deep = "{".repeat(100_000) + "}".repeat(100_000);
		assertThatIllegalArgumentException().isThrownBy(() -> text(this.registry, 1007, deep))
			.withMessageContaining("type _int4 (OID 1007)")
			.withMessageContaining("more than 6 dimensions");
	}

	@Test
	void valuesAreReadInPlaceAtTheirOffset() {
		byte[] message = "xx42yy".getBytes(StandardCharsets.UTF_8);
		assertThat(this.registry.decode(23, message, 2, 2, false)).isEqualTo(42);
		byte[] binary = { 9, 0, 0, 0, 42, 9 };
		assertThat(this.registry.decode(23, binary, 1, 4, true)).isEqualTo(42);
	}

	private static Object text(TypeRegistry registry, int typeOid, String value) {
		byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
		return registry.decode(typeOid, bytes, 0, bytes.length, false);
	}

}
