package dev.pgcdc.live;


import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open live query: a bounded buffer filled by the stream's thread (never blocking it) and
 * drained, one task at a time, on the live queries' executor, so its listener sees one call at a
 * time in order. The first task reads the snapshot; changes routed meanwhile wait in the buffer
 * and are delivered unless the snapshot saw their transaction. A reset (lost continuity, a
 * full buffer) empties the buffer and reads a new snapshot, which the same rule merges with
 * the changes routed after it.
 */
final class Subscription implements LiveQuery, Runnable {

	private static final Logger logger = LoggerFactory.getLogger(Subscription.class);

	/** Changes delivered per task before the task yields its thread to other queries. */
	private static final int TURN = 256;

	private final LiveQueries owner;

	private final ShapePlan plan;

	private final LiveQueryListener listener;

	private final int capacity;

	// The buffer: a linked list of the changes waiting, oldest first, in this object's own fields
	// (no collection object to reach on the stream's thread). All state here is guarded by this
	// object's monitor: the stream's thread reads this object anyway, a separate lock object
	// would be one more cache line per change with many open queries.
	private @Nullable Pending head;

	private @Nullable Pending tail;

	private int buffered;

	private boolean scheduled;

	private boolean snapshotNeeded = true;

	private @Nullable String resetReason;

	private volatile boolean open = true;

	// only touched by the task in progress (one at a time)
	private @Nullable Visibility visibility;

	private @Nullable String lastPosition;

	private boolean snapshotDelivered;

	private @Nullable String reportedReset;

	Subscription(LiveQueries owner, ShapePlan plan, LiveQueryListener listener, int capacity) {
		this.owner = owner;
		this.plan = plan;
		this.listener = listener;
		this.capacity = capacity;
	}

	ShapePlan plan() {
		return this.plan;
	}

	@Override
	public Shape shape() {
		return this.plan.shape();
	}

	@Override
	public boolean isOpen() {
		return this.open;
	}

	/** Read the first snapshot. */
	void start() {
		schedule();
	}

	/**
	 * Buffer a change for delivery; on the stream's thread while it routes a batch (the workers
	 * are woken at its end), never blocking.
	 * @param xid its transaction
	 * @param change the change relative to the shape
	 */
	void offer(long xid, ShapeChange change) {
		boolean schedule;
		synchronized (this) {
			if (!this.open) {
				return;
			}
			if (this.buffered >= this.capacity) {
				clear();
				if (this.resetReason == null) {
					this.resetReason = "the listener fell behind: more than " + this.capacity + " changes waiting";
					logger.info("Live query {} reset: its listener fell behind (cdc.live.buffer-size={})", shape(),
							this.capacity);
				}
			}
			else {
				Pending pending = new Pending(xid, change);
				Pending last = this.tail;
				if (last == null) {
					this.head = pending;
				}
				else {
					last.next = pending;
				}
				this.tail = pending;
				this.buffered++;
			}
			schedule = !this.scheduled;
			this.scheduled = true;
		}
		if (schedule) {
			this.owner.queueRouted(this);
		}
	}

	/**
	 * Lose what is buffered and deliver a reset and a new snapshot.
	 * @param reason why
	 */
	void reset(String reason) {
		boolean schedule;
		synchronized (this) {
			if (!this.open) {
				return;
			}
			clear();
			this.resetReason = reason;
			schedule = !this.scheduled;
			this.scheduled = true;
		}
		if (schedule) {
			this.owner.execute(this);
		}
	}

	private void schedule() {
		synchronized (this) {
			if (this.scheduled) {
				return;
			}
			this.scheduled = true;
		}
		this.owner.execute(this);
	}

	/** @return the number of changes waiting */
	int buffered() {
		synchronized (this) {
			return this.buffered;
		}
	}

	// holding the monitor
	private void clear() {
		this.head = null;
		this.tail = null;
		this.buffered = 0;
	}

	/** @return whether nothing waits and no task is scheduled (for tests: the query has caught up) */
	boolean isIdle() {
		synchronized (this) {
			return !this.scheduled && this.buffered == 0 && !this.snapshotNeeded && this.resetReason == null;
		}
	}

	@Override
	public void run() {
		try {
			drain();
		}
		catch (RuntimeException | Error ex) {
			logger.warn("Live query {} failed and is closed: {}", shape(), ex.toString());
			logger.debug("Live query failure", ex);
			close();
		}
	}

	private void drain() {
		int delivered = 0;
		while (true) {
			boolean snapshot;
			// a run of the list taken off it: first and count (its nodes' links no longer change)
			@Nullable Pending first = null;
			int count = 0;
			synchronized (this) {
				if (!this.open) {
					this.scheduled = false;
					return;
				}
				snapshot = this.snapshotNeeded || this.resetReason != null;
				if (snapshot) {
					if (this.resetReason != null) {
						this.reportedReset = this.resetReason;
					}
					this.snapshotNeeded = false;
					this.resetReason = null;
				}
				else if (this.buffered == 0) {
					this.scheduled = false;
					return;
				}
				else {
					first = this.head;
					Pending next = first;
					while (next != null && count < TURN) {
						next = next.next;
						count++;
					}
					this.head = next;
					if (next == null) {
						this.tail = null;
					}
					this.buffered -= count;
				}
			}
			if (snapshot) {
				if (!snapshot()) {
					return;
				}
				continue;
			}
			Pending pending = first;
			for (int i = 0; i < count && pending != null; i++) {
				deliver(pending);
				pending = pending.next;
			}
			delivered += count;
			if (delivered >= TURN) {
				// still scheduled: give the thread to another query and come back
				this.owner.execute(this);
				return;
			}
		}
	}

	/** @return whether to go on draining; {@code false} when a retry was scheduled */
	private boolean snapshot() {
		LiveQueries.Snapshot snapshot;
		try {
			snapshot = this.owner.read(this.plan);
		}
		catch (RuntimeException ex) {
			logger.warn("Live query {}: cannot read its snapshot, trying again: {}", shape(), ex.getMessage());
			synchronized (this) {
				this.snapshotNeeded = true;
			}
			this.owner.retryLater(this);
			return false;
		}
		synchronized (this) {
			if (this.resetReason != null || !this.open) {
				// continuity was lost while reading: read again (the loop takes the reset)
				return true;
			}
		}
		if (this.snapshotDelivered) {
			String reason = (this.reportedReset != null) ? this.reportedReset : "continuity lost";
			this.owner.resetDelivered(shape(), reason);
			this.listener.onReset(reason);
		}
		this.reportedReset = null;
		this.visibility = snapshot.visibility();
		this.lastPosition = null;
		this.listener.onSnapshot(snapshot.rows(), snapshot.position());
		this.snapshotDelivered = true;
		return true;
	}

	private void deliver(Pending pending) {
		if (!this.open) {
			return;
		}
		Visibility seen = this.visibility;
		if (seen != null && seen.isVisible(pending.xid)) {
			// in the snapshot already
			return;
		}
		String position = pending.change.position();
		String last = this.lastPosition;
		if (last != null && position.compareTo(last) <= 0) {
			// delivered before the stream reconnected and sent it again
			return;
		}
		this.listener.onChange(pending.change);
		this.lastPosition = position;
		this.owner.changeDelivered();
	}

	@Override
	public void close() {
		synchronized (this) {
			if (!this.open) {
				return;
			}
			this.open = false;
			clear();
		}
		this.owner.closed(this);
	}

	@Override
	public String toString() {
		return "LiveQuery[" + shape() + "]";
	}

	/** A change waiting, and the one after it. */
	private static final class Pending {

		final long xid;

		final ShapeChange change;

		@Nullable Pending next;

		Pending(long xid, ShapeChange change) {
			this.xid = xid;
			this.change = change;
		}

	}

}
