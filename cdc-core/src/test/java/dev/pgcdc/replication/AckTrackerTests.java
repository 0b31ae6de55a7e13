package dev.pgcdc.replication;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

import static org.assertj.core.api.Assertions.assertThat;

class AckTrackerTests {

	private final List<LogSequenceNumber> sent = new ArrayList<>();

	private final AckTracker tracker = new AckTracker(this.sent::add);

	@Test
	void transactionIsAcknowledgedAtItsEndOnlyOnceHandled() {
		assertThat(this.tracker.flushed()).isEqualTo(LogSequenceNumber.INVALID_LSN);
		this.tracker.opened();
		assertThat(this.tracker.inFlight()).isTrue();
		this.tracker.advanceIfIdle(lsn(500));
		assertThat(this.tracker.flushed()).isEqualTo(LogSequenceNumber.INVALID_LSN);
		this.tracker.completed(lsn(300));
		assertThat(this.tracker.flushed()).isEqualTo(lsn(300));
		assertThat(this.tracker.inFlight()).isFalse();
		assertThat(this.sent).containsExactly(lsn(300));
	}

	@Test
	void idleTrackerFollowsTheServerButNeverMovesBack() {
		this.tracker.advanceIfIdle(lsn(100));
		this.tracker.advanceIfIdle(lsn(50));
		assertThat(this.tracker.flushed()).isEqualTo(lsn(100));
		this.tracker.opened();
		this.tracker.completed(lsn(80));
		assertThat(this.tracker.flushed()).isEqualTo(lsn(100));
		assertThat(this.sent).containsExactly(lsn(100));
	}

	@Test
	void resetForgetsTransactionsCutOffByAReconnect() {
		this.tracker.opened();
		this.tracker.reset();
		this.tracker.advanceIfIdle(lsn(10));
		assertThat(this.tracker.flushed()).isEqualTo(lsn(10));
	}

	private static LogSequenceNumber lsn(long value) {
		return LogSequenceNumber.valueOf(value);
	}

}
