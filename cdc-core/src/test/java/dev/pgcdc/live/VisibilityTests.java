package dev.pgcdc.live;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class VisibilityTests {

	@Test
	void transactionsBelowXminAndFinishedBelowXmaxAreVisible() {
		Visibility snapshot = Visibility.parse("100:110:103,107");
		assertThat(snapshot.isVisible(99)).isTrue();
		assertThat(snapshot.isVisible(100)).isTrue();
		assertThat(snapshot.isVisible(103)).isFalse();
		assertThat(snapshot.isVisible(105)).isTrue();
		assertThat(snapshot.isVisible(107)).isFalse();
		assertThat(snapshot.isVisible(110)).isFalse();
		assertThat(snapshot.isVisible(5000)).isFalse();
		assertThat(snapshot.sawAll(new long[] { 99, 105 })).isTrue();
		assertThat(snapshot.sawAll(new long[] { 99, 103 })).isFalse();
	}

	@Test
	void streamIdsOf32BitsAreTakenNearestToTheSnapshotAcrossAnEpoch() {
		long epoch = 1L << 32;
		// xmax just past an epoch boundary: 0xFFFFFFF0 is of the previous epoch, 5 of this one
		Visibility snapshot = Visibility.parse((epoch + 2) + ":" + (epoch + 3) + ":");
		assertThat(snapshot.isVisible(0xFFFF_FFF0L)).isTrue();
		assertThat(snapshot.isVisible(1)).isTrue();
		assertThat(snapshot.isVisible(3)).isFalse();
		assertThat(snapshot.isVisible(5)).isFalse();
		// xmax just before one: a small id is of the next epoch
		Visibility before = Visibility.parse((epoch - 10) + ":" + (epoch - 5) + ":");
		assertThat(before.isVisible(2)).isFalse();
		assertThat(before.isVisible(0xFFFF_FFF0L)).isTrue();
	}

	@Test
	void textThatIsNoSnapshotIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> Visibility.parse("100:110"));
	}

}
