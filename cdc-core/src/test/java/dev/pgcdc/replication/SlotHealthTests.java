package dev.pgcdc.replication;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the slot's columns read on each server version: {@code invalidation_reason} (17+),
 * {@code conflicting} (16) and {@code wal_status = lost} (13+).
 */
class SlotHealthTests {

	@Test
	void invalidationReasonOnEachVersion() {
		assertThat(SlotHealth.invalidation("lost", "wal_removed", false)).isEqualTo("wal_removed");
		assertThat(SlotHealth.invalidation("lost", "rows_removed", true)).isEqualTo("rows_removed");
		assertThat(SlotHealth.invalidation("lost", null, false)).as("before 17").isEqualTo("wal_removed");
		assertThat(SlotHealth.invalidation("reserved", null, true)).as("16").isEqualTo("conflicting");
		assertThat(SlotHealth.invalidation("reserved", null, false)).isNull();
		assertThat(SlotHealth.invalidation("unreserved", null, false)).as("in danger, not yet lost").isNull();
		assertThat(SlotHealth.invalidation(null, null, false)).isNull();
	}

	@Test
	void theFailureNamesTheCauseAndTheFix() {
		SlotInvalidatedException removed = new SlotInvalidatedException("orders_slot",
				SlotHealth.reason("lost", "wal_removed", false), "lost", "0/16B3748");
		assertThat(removed).hasMessageContaining("wal_status lost, invalidation_reason wal_removed")
			.hasMessageContaining("max_slot_wal_keep_size")
			.hasMessageContaining("after 0/16B3748")
			.hasMessageContaining("cdc.slot.on-invalidated=recreate")
			.hasMessageContaining("SELECT pg_drop_replication_slot('orders_slot');");
		SlotInvalidatedException conflict = new SlotInvalidatedException("orders_slot",
				SlotHealth.reason("lost", "rows_removed", true), "lost", null);
		assertThat(conflict).hasMessageContaining("hot_standby_feedback").hasMessageContaining("its confirmed position");
	}

}
