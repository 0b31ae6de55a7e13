package dev.pgcdc.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.offsets.OffsetStore;
import dev.pgcdc.stream.BatchHandler;
import dev.pgcdc.stream.DatabaseUnavailableException;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The hand-off between the reader and the one delivery thread: a bounded queue of batches,
 * taken in queue (commit) order, given to the {@link BatchHandler}, and acknowledged to the
 * {@link AckTracker} once a transaction's last batch returned. While idle it lets the flushed
 * LSN follow the server's position. While paused it takes nothing: the queue fills, the reader
 * stops reading (still sending status updates) and nothing past the last handled transaction
 * is acknowledged.
 * <p>
 * A handler that fails because its database is unavailable ({@link DatabaseUnavailableException})
 * does not end the delivery thread: the transaction is left unacknowledged, everything queued
 * after it is dropped until the reader starts a new session ({@link #acceptAgain()}), and the
 * reader is told to give up its session.
 * <p>
 * With an {@link dev.pgcdc.stream.AsyncBatchHandler} (a {@link CompletionBridge} given) a batch
 * is done when its completion comes back rather than when the handler returns: the units go
 * through {@link PendingUnits}, which tells the tracker about them in WAL order as they are done
 * (the low watermark). A failed completion ends the delivery thread as a throwing handler does;
 * stopping waits for the completions handed out.
 */
final class HandoffQueue implements Runnable {

	private final BlockingQueue<QueuedBatch> queue;

	private final BatchHandler handler;

	private final AckTracker ack;

	private final StreamStatistics statistics;

	private final Supplier<LogSequenceNumber> serverPosition;

	private final Consumer<Throwable> onFailure;

	private final Runnable onAcknowledged;

	private final Consumer<Throwable> onUnavailable;

	private final @Nullable OffsetStore offsets;

	/** Non-null when the handler completes batches later (an asynchronous handler). */
	private final @Nullable CompletionBridge bridge;

	private final @Nullable PendingUnits pending;

	/** The unit whose batches are being handed over (dispatcher thread only, with a bridge). */
	private PendingUnits.@Nullable Unit unit;

	/** What a completion failed with, for the dispatcher thread to act on. */
	private volatile @Nullable Throwable completionFailure;

	/** Whether the last batch handled left its transaction open (dispatcher thread only). */
	private boolean midTransaction;

	private final StateTracker.RunState state;

	private final long idleCheckMillis;

	private final Object monitor = new Object();

	private final CountDownLatch ended = new CountDownLatch(1);

	private long enqueued;

	private long done;

	private volatile boolean stopping;

	private volatile boolean failed;

	/**
	 * A transaction was acknowledged and the queue has not been idle since: the next poll waits
	 * only the prompt acknowledgement's interval (dispatcher thread only), so that what its rate
	 * limit held back goes out that soon once the queue runs dry.
	 */
	private boolean acknowledgedSinceIdle;

	/** A handler found its database unavailable: drop everything until the next session. */
	private volatile boolean discarding;

	private volatile boolean pauseRequested;

	private volatile boolean paused;

	private volatile @Nullable Thread thread;

	/**
	 * @param capacity the queue capacity in batches
	 * @param handler receives the batches
	 * @param ack told when a transaction was handled
	 * @param statistics counts what was handled
	 * @param serverPosition the last position the server reported
	 * @param idleCheckMillis how often an idle dispatcher lets the flushed LSN follow the server
	 * @param state the run's state, for PAUSED
	 * @param onFailure told when the handler threw; the dispatcher has ended then
	 * @param onAcknowledged told after a transaction's handling moved the flushed position, so it
	 * reaches the server soon
	 * @param onUnavailable told when the handler found its database unavailable; the session is
	 * to end without acknowledging, the dispatcher goes on after {@link #acceptAgain()}
	 * @param offsets hands each batch to the handler and keeps the position in step, or {@code null}
	 * @param bridge the bridge to an asynchronous handler at the end of {@code handler}'s chain, or
	 * {@code null} when the handler is done with a batch once it returned
	 */
	HandoffQueue(int capacity, BatchHandler handler, AckTracker ack, StreamStatistics statistics,
			Supplier<LogSequenceNumber> serverPosition, long idleCheckMillis, StateTracker.RunState state,
			Consumer<Throwable> onFailure, Runnable onAcknowledged, Consumer<Throwable> onUnavailable,
			@Nullable OffsetStore offsets, @Nullable CompletionBridge bridge) {
		this.queue = new ArrayBlockingQueue<>(capacity);
		this.handler = handler;
		this.ack = ack;
		this.statistics = statistics;
		this.serverPosition = serverPosition;
		this.idleCheckMillis = idleCheckMillis;
		this.state = state;
		this.onFailure = onFailure;
		this.onAcknowledged = onAcknowledged;
		this.onUnavailable = onUnavailable;
		this.offsets = offsets;
		this.bridge = bridge;
		this.pending = (bridge != null) ? new PendingUnits(ack, this::completionFailed, onAcknowledged) : null;
	}

	/** A completion failed (any thread): the dispatcher acts on it at its next turn. */
	private void completionFailed(Throwable error) {
		this.completionFailure = error;
		this.queue.offer(QueuedBatch.WAKE_UP);
		synchronized (this.monitor) {
			this.monitor.notifyAll();
		}
	}

	/**
	 * Queue a batch, waiting at most the given time for room.
	 * @return whether it was queued
	 * @throws InterruptedException if interrupted while waiting
	 */
	boolean offer(QueuedBatch batch, long timeout, TimeUnit unit) throws InterruptedException {
		if (this.stopping || this.failed || this.discarding) {
			return false;
		}
		synchronized (this.monitor) {
			this.enqueued++;
		}
		if (this.queue.offer(batch, timeout, unit)) {
			return true;
		}
		synchronized (this.monitor) {
			this.enqueued--;
		}
		return false;
	}

	/**
	 * Wait until every queued batch was handled (or the dispatcher stopped or failed).
	 * @throws InterruptedException if interrupted while waiting
	 */
	void awaitDrained() throws InterruptedException {
		synchronized (this.monitor) {
			while (this.done < this.enqueued && !this.stopping && !this.failed) {
				this.monitor.wait(this.idleCheckMillis);
			}
		}
		if (this.pending != null) {
			this.pending.awaitReturned(() -> this.stopping || this.failed);
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
			synchronized (this.monitor) {
				this.enqueued -= dropped;
				this.monitor.notifyAll();
			}
		}
		return dropped;
	}

	/**
	 * A new session begins (the reader's previous one has ended): take batches again after a
	 * handler found its database unavailable.
	 */
	void acceptAgain() {
		if (this.pending != null) {
			this.pending.reset();
		}
		this.discarding = false;
	}

	/** @return whether batches are dropped because a handler found its database unavailable */
	boolean discarding() {
		return this.discarding;
	}

	/** @return the number of batches waiting in the queue */
	int queued() {
		return this.queue.size();
	}

	/** Ask the dispatcher to end after the batch it is handling. */
	void stop() {
		this.stopping = true;
		this.queue.offer(QueuedBatch.WAKE_UP);
		synchronized (this.monitor) {
			this.monitor.notifyAll();
		}
	}

	/**
	 * @param pause whether to stop taking batches after the one being handled (or take them again)
	 */
	void pause(boolean pause) {
		this.pauseRequested = pause;
		synchronized (this.monitor) {
			this.monitor.notifyAll();
		}
	}

	/** @return whether the dispatcher is paused (not only asked to pause) */
	boolean paused() {
		return this.paused;
	}

	/** @return whether the handler threw */
	boolean failed() {
		return this.failed;
	}

	/**
	 * Wait for the dispatcher to end.
	 * @param nanos how long at most
	 * @return whether it ended (or is the calling thread, which ends once it returns)
	 * @throws InterruptedException if interrupted while waiting
	 */
	boolean awaitEnd(long nanos) throws InterruptedException {
		return Thread.currentThread() == this.thread || this.ended.await(nanos, TimeUnit.NANOSECONDS);
	}

	/** @return what the handler is doing now (a handler id), or {@code null} */
	@Nullable String inProgress() {
		return this.handler.inProgress();
	}

	/** Interrupt the delivery thread, for a handler that did not return within the shutdown timeout. */
	void interrupt() {
		Thread current = this.thread;
		if (current != null) {
			current.interrupt();
		}
	}

	@Override
	public void run() {
		this.thread = Thread.currentThread();
		try {
			deliver();
		}
		catch (Throwable ex) {
			this.failed = true;
			this.queue.clear();
			synchronized (this.monitor) {
				this.monitor.notifyAll();
			}
			this.onFailure.accept(ex);
		}
		finally {
			if (this.pending != null) {
				awaitCompletions(this.pending);
			}
			if (this.offsets != null) {
				// on this thread, which holds the transaction: a stop or failure mid-transaction undoes it
				this.offsets.abandon();
			}
			this.thread = null;
			this.ended.countDown();
		}
	}

	/** Stopping or failed: nothing more is acknowledged, but the work handed out ends first. */
	private void awaitCompletions(PendingUnits units) {
		units.cancelAll();
		try {
			// the stop's deadline interrupts this wait
			units.awaitReturned(() -> false);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void deliver() throws Exception {
		while (!this.stopping) {
			Throwable failure = this.completionFailure;
			if (failure != null) {
				this.completionFailure = null;
				if (!DatabaseUnavailableException.causedBy(failure)) {
					throw (failure instanceof Exception ex) ? ex : new IllegalStateException(failure.getMessage(), failure);
				}
				unavailable((failure instanceof Exception ex) ? ex : new IllegalStateException(failure));
				continue;
			}
			// with an offset store a pause waits for the transaction's end: it holds a database transaction open
			if (this.pauseRequested && !(this.midTransaction && this.offsets != null)) {
				awaitResume();
				continue;
			}
			QueuedBatch next;
			try {
				next = this.queue.poll(this.acknowledgedSinceIdle ? ReplicationCopyStream.PROMPT_INTERVAL_MILLIS
						: this.idleCheckMillis, TimeUnit.MILLISECONDS);
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
				this.acknowledgedSinceIdle = false;
				this.ack.advanceIfIdle(this.serverPosition.get());
				// the last transactions of a burst, held back by the prompt acknowledgement's rate
				// limit, and an idle stream's new position go out now, not in a status interval
				// (nothing is sent when the position did not move)
				this.onAcknowledged.run();
				continue;
			}
			if (next != QueuedBatch.WAKE_UP && !this.discarding) {
				try {
					dispatch(next);
				}
				catch (Exception ex) {
					// with a failed completion (this batch's, or an earlier one's that cancelled this one)
					// that failure is the one to act on, at the top of the loop
					if (this.completionFailure == null) {
						if (!DatabaseUnavailableException.causedBy(ex)) {
							throw ex;
						}
						unavailable(ex);
					}
				}
			}
			synchronized (this.monitor) {
				this.done++;
				this.monitor.notifyAll();
			}
		}
	}

	/**
	 * Leave the transaction unacknowledged and drop what is queued behind it: nothing after it
	 * may be acknowledged before it was handled. The reader's session ends and a durable slot
	 * sends it all again from the flushed position.
	 */
	private void unavailable(Exception ex) {
		this.discarding = true;
		this.completionFailure = null;
		if (this.offsets != null) {
			// the transaction comes again from its beginning: undo what its earlier batches did
			this.offsets.abandon();
			this.midTransaction = false;
		}
		List<QueuedBatch> queued = new ArrayList<>(this.queue.size());
		this.queue.drainTo(queued);
		synchronized (this.monitor) {
			this.done += queued.size();
			this.monitor.notifyAll();
		}
		this.onUnavailable.accept(ex);
	}

	private void awaitResume() {
		this.paused = true;
		this.state.changeIf(StreamState.STREAMING, StreamState.PAUSED);
		try {
			synchronized (this.monitor) {
				while (this.pauseRequested && !this.stopping && this.completionFailure == null) {
					try {
						this.monitor.wait(this.idleCheckMillis);
					}
					catch (InterruptedException ex) {
						// as above: only the flags end or resume this wait
					}
					if (this.queue.isEmpty()) {
						// nothing waits for a handler: an idle paused stream holds no WAL back
						this.ack.advanceIfIdle(this.serverPosition.get());
					}
				}
			}
		}
		finally {
			this.paused = false;
			if (!this.stopping) {
				this.state.changeIf(StreamState.PAUSED, StreamState.STREAMING);
			}
		}
	}

	private void dispatch(QueuedBatch next) throws Exception {
		if (this.bridge != null && this.pending != null) {
			dispatchDeferred(next, this.bridge, this.pending);
			return;
		}
		TransactionBatch batch = next.batch();
		LogSequenceNumber end = next.ackLsn();
		if (batch != null) {
			if (this.offsets != null) {
				this.midTransaction = (end == null);
				this.offsets.deliver(batch, end, this.handler);
			}
			else {
				this.handler.handle(batch);
			}
			this.statistics.handled(batch);
		}
		if (end != null) {
			this.ack.completed(end);
			this.onAcknowledged.run();
			this.acknowledgedSinceIdle = true;
		}
	}

	/** Hand a batch over for a unit whose completion comes later: the unit is done when its completions are. */
	private void dispatchDeferred(QueuedBatch next, CompletionBridge bridge, PendingUnits units) throws Exception {
		TransactionBatch batch = next.batch();
		LogSequenceNumber end = next.ackLsn();
		PendingUnits.Unit current = this.unit;
		if (current != null && current.open() && batch != null && batch.first()) {
			// a transaction starts again while one was open: the open one was cut off
			current.abandon();
			current = null;
		}
		if (current == null || !current.open()) {
			current = units.open();
			this.unit = current;
		}
		if (batch != null) {
			bridge.handle(current, this.handler, batch);
			this.statistics.handled(batch);
		}
		if (end != null) {
			this.unit = null;
			current.seal(end);
			this.acknowledgedSinceIdle = true;
		}
	}

}
