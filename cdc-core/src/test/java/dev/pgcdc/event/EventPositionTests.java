package dev.pgcdc.event;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The text of event positions: fixed width, so string order is (commit LSN, index) order.
 */
class EventPositionTests {

	@Test
	void positionNamesCommitLsnAndIndex() {
		String position = EventPosition.of(LogSequenceNumber.valueOf("0/16B3748").asLong(), 2);
		assertThat(position).isEqualTo("00000000016B3748/00000002").hasSize(EventPosition.LENGTH);
		assertThat(EventPosition.commitLsn(position)).isEqualTo(0x16B3748L);
		assertThat(EventPosition.index(position)).isEqualTo(2);
	}

	@Test
	void stringOrderIsCommitOrderThenIndexOrder() {
		long[] lsns = { 0x9L, 0xAL, 0xF0L, 0x100L, 0x1_0000_0000L, 0x7FFF_FFFF_FFFF_FFFFL };
		int[] indexes = { 0, 1, 9, 10, 15, 16, 255, 65_536, Integer.MAX_VALUE };
		List<String> inOrder = new ArrayList<>();
		for (long lsn : lsns) {
			for (int index : indexes) {
				inOrder.add(EventPosition.of(lsn, index));
			}
		}
		assertThat(inOrder).isSorted().doesNotHaveDuplicates();
		for (String position : inOrder) {
			assertThat(EventPosition.of(EventPosition.commitLsn(position), EventPosition.index(position)))
				.isEqualTo(position);
		}
	}

	@Test
	void sharedPrefixGivesTheSamePositions() {
		char[] prefix = EventPosition.prefix(0xABCDEFL);
		assertThat(EventPosition.of(prefix, 7)).isEqualTo(EventPosition.of(0xABCDEFL, 7));
		assertThat(EventPosition.of(prefix, 8)).isEqualTo(EventPosition.of(0xABCDEFL, 8));
	}

	@Test
	void notAPositionIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> EventPosition.commitLsn("0/16B3748"))
			.withMessageContaining("0/16B3748");
		assertThatIllegalArgumentException().isThrownBy(() -> EventPosition.of(1, -1));
	}

}
