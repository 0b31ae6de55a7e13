package dev.pgcdc.event;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TableNameTests {

	@Test
	void unqualifiedNameGetsPublicSchemaAndFoldsCase() {
		assertThat(TableName.parse("Users")).isEqualTo(new TableName("public", "users"));
	}

	@Test
	void qualifiedAndQuotedPartsKeepTheirCase() {
		assertThat(TableName.parse("sales.orders")).isEqualTo(new TableName("sales", "orders"));
		assertThat(TableName.parse("\"Sales\".\"Order \"\"Lines\"\"\""))
			.isEqualTo(new TableName("Sales", "Order \"Lines\""));
	}

	@Test
	void quotedFormDoublesEmbeddedQuotes() {
		assertThat(new TableName("public", "a\"b").quoted()).isEqualTo("\"public\".\"a\"\"b\"");
	}

	@Test
	void rejectsInjectionAndMalformedNames() {
		assertThatIllegalArgumentException().isThrownBy(() -> TableName.parse("users; drop table x"))
			.withMessageContaining("not a valid table name");
		assertThatIllegalArgumentException().isThrownBy(() -> TableName.parse("a.b.c"));
		assertThatIllegalArgumentException().isThrownBy(() -> TableName.parse(""));
		assertThatIllegalArgumentException().isThrownBy(() -> TableName.parse("\"unterminated"));
		assertThatIllegalArgumentException().isThrownBy(() -> TableName.parse("1abc"));
	}

}
