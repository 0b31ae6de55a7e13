package dev.pgcdc.replication;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import dev.pgcdc.stream.AsyncBatchHandler;
import dev.pgcdc.stream.BatchCompletion;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The acknowledgement low watermark for an {@link AsyncBatchHandler}: the units (transactions,
 * non-transactional messages) handed to it, in WAL order, each with the completions of its
 * batches still out. A unit is done when it was sealed (its last batch was handed over) and
 * every completion of it came back; the {@link AckTracker} is told about units in WAL order only,
 * as the oldest ones are done, so the flushed LSN never passes a unit with work outstanding
 * however the completions interleave.
 * <p>
 * A failed completion cancels its unit and every later one (nothing from it on is
 * acknowledged; units before it still are as they complete) and is reported once. A new session
 * ({@link #reset()}) forgets the units: their transactions come again, and late completions of
 * the old ones only count as returned.
 */
final class PendingUnits {

	private final AckTracker ack;

	private final Consumer<Throwable> onFailure;

	private final Runnable onAcknowledged;

	private final ArrayDeque<Unit> units = new ArrayDeque<>();

	private long generation;

	/** A completion failed (or the stream stops): units opened from then on are cancelled. */
	private boolean halted;

	/** Completions handed out and not yet completed or failed, every generation. */
	private int outstanding;

	/**
	 * @param ack told about each done unit, in WAL order
	 * @param onFailure told about the first failed completion (from the completing thread, under this
	 * object's lock, before any unit shows as cancelled by it: keep it short)
	 * @param onAcknowledged told after units were done, outside this object's lock
	 */
	PendingUnits(AckTracker ack, Consumer<Throwable> onFailure, Runnable onAcknowledged) {
		this.ack = ack;
		this.onFailure = onFailure;
		this.onAcknowledged = onAcknowledged;
	}

	/** @return a new unit, the youngest (delivery thread) */
	synchronized Unit open() {
		Unit unit = new Unit(this.generation);
		if (this.halted) {
			unit.cancelled = true;
		}
		else {
			this.units.add(unit);
		}
		return unit;
	}

	/** Cancel every unit not done: the stream stops. */
	synchronized void cancelAll() {
		this.halted = true;
		this.units.forEach((unit) -> unit.cancelled = true);
		this.units.clear();
	}

	/** A new session begins: the pending units' transactions come again, forget them. */
	synchronized void reset() {
		this.generation++;
		cancelAll();
		this.halted = false;
	}

	/**
	 * Wait until every completion handed out came back.
	 * @param giveUp checked about every 100 ms: stop waiting when it says so
	 * @throws InterruptedException if interrupted while waiting
	 */
	synchronized void awaitReturned(BooleanSupplier giveUp) throws InterruptedException {
		while (this.outstanding > 0 && !giveUp.getAsBoolean()) {
			wait(100);
		}
	}

	/** @return the number of completions handed out and not come back */
	synchronized int outstanding() {
		return this.outstanding;
	}

	private void returned(Unit unit, @Nullable Throwable error) {
		boolean advanced;
		synchronized (this) {
			this.outstanding--;
			unit.parts--;
			if (error != null && !unit.cancelled && unit.generation == this.generation) {
				if (!this.halted) {
					// under the lock: whoever sees a unit cancelled by this failure finds it reported
					this.onFailure.accept(error);
				}
				this.halted = true;
				cancelFrom(unit);
			}
			advanced = drain();
			notifyAll();
		}
		if (advanced) {
			this.onAcknowledged.run();
		}
	}

	private void cancelFrom(Unit failed) {
		boolean found = false;
		for (Iterator<Unit> it = this.units.iterator(); it.hasNext();) {
			Unit unit = it.next();
			found |= (unit == failed);
			if (found) {
				unit.cancelled = true;
				it.remove();
			}
		}
		failed.cancelled = true;
	}

	/** Tell the tracker about the oldest units that are done. */
	private boolean drain() {
		boolean advanced = false;
		Unit head;
		while ((head = this.units.peek()) != null && head.end != null && head.parts == 0) {
			this.units.poll();
			this.ack.completed(head.end);
			advanced = true;
		}
		return advanced;
	}

	/** One transaction or non-transactional message handed to the handler. */
	final class Unit {

		private final long generation;

		// guarded by PendingUnits.this
		private int parts;

		private @Nullable LogSequenceNumber end;

		private boolean cancelled;

		private Unit(long generation) {
			this.generation = generation;
		}

		/** @return a completion for one more batch of this unit */
		BatchCompletion part() {
			synchronized (PendingUnits.this) {
				this.parts++;
				PendingUnits.this.outstanding++;
			}
			return new Part(this);
		}

		/**
		 * Its last batch was handed over: done once every completion came back.
		 * @param end the position after the unit
		 */
		void seal(LogSequenceNumber end) {
			boolean advanced;
			synchronized (PendingUnits.this) {
				this.end = end;
				advanced = drain();
			}
			if (advanced) {
				PendingUnits.this.onAcknowledged.run();
			}
		}

		/** @return whether it still waits for batches: not sealed, cancelled or of an earlier session */
		boolean open() {
			synchronized (PendingUnits.this) {
				return this.end == null && !this.cancelled && this.generation == PendingUnits.this.generation;
			}
		}

		/** Its remaining batches will not come (cut off): forget it. */
		void abandon() {
			synchronized (PendingUnits.this) {
				this.cancelled = true;
				PendingUnits.this.units.remove(this);
				if (PendingUnits.this.drain()) {
					PendingUnits.this.notifyAll();
				}
			}
		}

		boolean cancelled() {
			synchronized (PendingUnits.this) {
				return this.cancelled || this.generation != PendingUnits.this.generation;
			}
		}

	}

	/** The completion of one batch: the first call counts. */
	private final class Part extends AtomicBoolean implements BatchCompletion {

		private final Unit unit;

		Part(Unit unit) {
			this.unit = unit;
		}

		@Override
		public void complete() {
			if (compareAndSet(false, true)) {
				returned(this.unit, null);
			}
		}

		@Override
		public void fail(Throwable error) {
			if (compareAndSet(false, true)) {
				returned(this.unit, error);
			}
		}

		@Override
		public boolean cancelled() {
			return this.unit.cancelled();
		}

	}

}
