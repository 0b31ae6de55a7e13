package dev.pgcdc.replication;

import dev.pgcdc.stream.BatchHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.pgcdc.event.TransactionBatch;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The one thread that hands batches to the {@link BatchHandler}, in queue (commit) order, and
 * acknowledges a transaction after its last batch returned. While idle it lets the flushed
 * LSN follow the server's position.
 */
final class HandoffQueue implements Runnable {

	private final BlockingQueue<QueuedBatch> queue;

	private final BatchHandler handler;

	private final AckTracker ack;

	private final StreamStatistics statistics;

	private final Supplier<LogSequenceNumber> serverPosition;

	private final Consumer<Throwable> onFailure;

	private final long idleCheckMillis;

	private final Object drained = new Object();

	private long enqueued;

	private long done;

	private volatile boolean stopping;

	private volatile boolean failed;

	/**
	 * @param capacity the queue capacity in batches
	 * @param handler receives the batches
	 * @param ack told when a transaction was handled
	 * @param statistics counts what was handled
	 * @param serverPosition the last position the server reported
	 * @param idleCheckMillis how often an idle dispatcher lets the flushed LSN follow the server
	 * @param onFailure told when the handler threw; the dispatcher has ended then
	 */
	HandoffQueue(int capacity, BatchHandler handler, AckTracker ack, StreamStatistics statistics,
			Supplier<LogSequenceNumber> serverPosition, long idleCheckMillis, Consumer<Throwable> onFailure) {
		this.queue = new ArrayBlockingQueue<>(capacity);
		this.handler = handler;
		this.ack = ack;
		this.statistics = statistics;
		this.serverPosition = serverPosition;
		this.idleCheckMillis = idleCheckMillis;
		this.onFailure = onFailure;
	}

	/**
	 * Queue a batch, waiting at most the given time for room.
	 * @return whether it was queued
	 * @throws InterruptedException if interrupted while waiting
	 */
	boolean offer(QueuedBatch batch, long timeout, TimeUnit unit) throws InterruptedException {
		if (this.stopping || this.failed) {
			return false;
		}
		synchronized (this.drained) {
			this.enqueued++;
		}
		if (this.queue.offer(batch, timeout, unit)) {
			return true;
		}
		synchronized (this.drained) {
			this.enqueued--;
		}
		return false;
	}

	/**
	 * Wait until every queued batch was handled (or the dispatcher stopped or failed).
	 * @throws InterruptedException if interrupted while waiting
	 */
	void awaitDrained() throws InterruptedException {
		synchronized (this.drained) {
			while (this.done < this.enqueued && !this.stopping && !this.failed) {
				this.drained.wait(this.idleCheckMillis);
			}
		}
	}

	/**
	 * Drop the queued batches of a transaction whose remaining batches died with the connection:
	 * those after the last queued batch that completes a unit. Complete units stay queued. Only
	 * while nothing is being queued (the reader's session has ended); the dispatcher may keep
	 * taking batches meanwhile, and finds them in the same order.
	 * @return how many batches were dropped
	 */
	int discardUnfinished() {
		List<QueuedBatch> queued = new ArrayList<>(this.queue.size());
		this.queue.drainTo(queued);
		int complete = queued.size();
		while (complete > 0 && queued.get(complete - 1).ackLsn() == null
				&& queued.get(complete - 1) != QueuedBatch.WAKE_UP) {
			complete--;
		}
		for (int i = 0; i < complete; i++) {
			// cannot fail: only the reader adds, and it is not running; these were in the queue
			this.queue.add(queued.get(i));
		}
		int dropped = queued.size() - complete;
		if (dropped > 0) {
			synchronized (this.drained) {
				this.enqueued -= dropped;
				this.drained.notifyAll();
			}
		}
		return dropped;
	}

	/** @return the number of batches waiting in the queue */
	int queued() {
		return this.queue.size();
	}

	/** Ask the dispatcher to end after the batch it is handling. */
	void stop() {
		this.stopping = true;
		this.queue.offer(QueuedBatch.WAKE_UP);
	}

	/** @return whether the handler threw */
	boolean failed() {
		return this.failed;
	}

	@Override
	public void run() {
		try {
			while (!this.stopping) {
				QueuedBatch next;
				try {
					next = this.queue.poll(this.idleCheckMillis, TimeUnit.MILLISECONDS);
				}
				catch (InterruptedException ex) {
					// stop() ends this loop through its flag, never by interrupting; an interrupt left
					// behind by a handler (catch, restore the flag) must not end dispatching silently
					continue;
				}
				if (this.stopping) {
					return;
				}
				if (next == null) {
					this.ack.advanceIfIdle(this.serverPosition.get());
					continue;
				}
				if (next != QueuedBatch.WAKE_UP) {
					dispatch(next);
				}
				synchronized (this.drained) {
					this.done++;
					this.drained.notifyAll();
				}
			}
		}
		catch (Throwable ex) {
			this.failed = true;
			this.queue.clear();
			synchronized (this.drained) {
				this.drained.notifyAll();
			}
			this.onFailure.accept(ex);
		}
	}

	private void dispatch(QueuedBatch next) throws Exception {
		TransactionBatch batch = next.batch();
		if (batch != null) {
			this.handler.handle(batch);
			this.statistics.handled(batch);
		}
		LogSequenceNumber end = next.ackLsn();
		if (end != null) {
			this.ack.completed(end);
		}
	}

}
