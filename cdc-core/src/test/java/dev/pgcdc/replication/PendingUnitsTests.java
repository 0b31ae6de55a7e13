package dev.pgcdc.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.stream.BatchCompletion;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

import static org.assertj.core.api.Assertions.assertThat;

class PendingUnitsTests {

	private final AckTracker tracker = new AckTracker((lsn) -> { });

	private final List<Throwable> failures = new ArrayList<>();

	private final AtomicInteger acknowledged = new AtomicInteger();

	private final PendingUnits units = new PendingUnits(this.tracker, this.failures::add,
			this.acknowledged::incrementAndGet);

	@Test
	void theFlushedPositionPassesAUnitOnlyOnceItAndEveryEarlierOneIsDone() {
		BatchCompletion first = unit(100);
		BatchCompletion second = unit(200);
		BatchCompletion third = unit(300);
		third.complete();
		second.complete();
		assertThat(this.tracker.flushed()).isEqualTo(LogSequenceNumber.INVALID_LSN);
		assertThat(this.tracker.inFlight()).isTrue();
		first.complete();
		assertThat(this.tracker.flushed()).isEqualTo(lsn(300));
		assertThat(this.tracker.inFlight()).isFalse();
		assertThat(this.units.outstanding()).isZero();
	}

	@Test
	void aUnitOfSeveralBatchesIsDoneWhenAllOfThemAre() {
		this.tracker.opened();
		PendingUnits.Unit unit = this.units.open();
		BatchCompletion a = unit.part();
		BatchCompletion b = unit.part();
		a.complete();
		unit.seal(lsn(100));
		assertThat(this.tracker.flushed()).isEqualTo(LogSequenceNumber.INVALID_LSN);
		b.complete();
		b.complete();
		assertThat(this.tracker.flushed()).isEqualTo(lsn(100));
	}

	@Test
	void aFailureIsReportedOnceAndNothingFromItOnIsAcknowledged() {
		BatchCompletion first = unit(100);
		BatchCompletion second = unit(200);
		BatchCompletion third = unit(300);
		IllegalStateException boom = new IllegalStateException("boom");
		second.fail(boom);
		third.fail(new IllegalStateException("later"));
		assertThat(this.failures).containsExactly(boom);
		assertThat(second.cancelled()).isTrue();
		assertThat(third.cancelled()).isTrue();
		assertThat(first.cancelled()).isFalse();
		first.complete();
		assertThat(this.tracker.flushed()).isEqualTo(lsn(100));
		assertThat(unit(400).cancelled()).isTrue();
	}

	@Test
	void aNewSessionForgetsThePendingUnits() {
		BatchCompletion old = unit(100);
		this.units.reset();
		assertThat(old.cancelled()).isTrue();
		this.tracker.reset();
		old.complete();
		assertThat(this.tracker.flushed()).isEqualTo(LogSequenceNumber.INVALID_LSN);
		unit(200).complete();
		assertThat(this.tracker.flushed()).isEqualTo(lsn(200));
	}

	private BatchCompletion unit(long end) {
		this.tracker.opened();
		PendingUnits.Unit unit = this.units.open();
		BatchCompletion part = unit.part();
		unit.seal(lsn(end));
		return part;
	}

	private static LogSequenceNumber lsn(long value) {
		return LogSequenceNumber.valueOf(value);
	}

}
