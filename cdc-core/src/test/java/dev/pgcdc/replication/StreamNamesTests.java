package dev.pgcdc.replication;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Derived names: the slot's must never change (a durable slot under a new name is created anew
 * and the old one keeps WAL), and the publication's is derived from the same base.
 */
class StreamNamesTests {

	@Test
	void durableSlotNamesStayAsTheyWere() {
		assertThat(StreamNames.defaultSlot("My App!", false)).isEqualTo("my_app__slot");
		assertThat(StreamNames.defaultSlot("order-service", false)).isEqualTo("order_service_slot");
		assertThat(StreamNames.defaultSlot(null, false)).isEqualTo("cdc_slot");
		assertThat(StreamNames.defaultSlot(" ", false)).isEqualTo("cdc_slot");
		assertThat(StreamNames.defaultSlot("x".repeat(100), false)).isEqualTo("x".repeat(63));
	}

	@Test
	void temporarySlotNamesAreValidAndPerInstance() {
		String first = StreamNames.defaultSlot("x".repeat(100), true);
		assertThat(first).hasSizeLessThanOrEqualTo(63).matches("x+_" + ProcessHandle.current().pid() + "_[a-z0-9]+");
		assertThat(StreamNames.isValidSlot(first)).isTrue();
	}

	@Test
	void publicationNamesShareTheSlotNamesBaseAndKeepTheirSuffix() {
		for (String application : new String[] { "Order-Service", "My App!", "_internal", "1st" }) {
			String slot = StreamNames.defaultSlot(application, false);
			assertThat(StreamNames.defaultPublication(application))
				.isEqualTo(slot.substring(0, slot.length() - "_slot".length()) + "_publication");
		}
		assertThat(StreamNames.defaultPublication(null)).isEqualTo("cdc_publication");
		assertThat(StreamNames.defaultPublication("y".repeat(100))).hasSize(63).endsWith("y_publication");
	}

	@Test
	void slotNameRuleAllowsALeadingDigit() {
		assertThat(StreamNames.isValidSlot("1abc")).isTrue();
		assertThat(StreamNames.isValidSlot("Abc")).isFalse();
		assertThat(StreamNames.isValidSlot("a-b")).isFalse();
		assertThat(StreamNames.isValidSlot("")).isFalse();
		assertThat(StreamNames.isValidSlot("a".repeat(64))).isFalse();
		assertThat(StreamNames.validSlot("Sales Orders!")).isEqualTo("sales_orders_");
	}

}
