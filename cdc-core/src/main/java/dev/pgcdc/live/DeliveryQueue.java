package dev.pgcdc.live;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live queries that have something for their listener, drained by at most {@code threads}
 * workers on the executor. Queuing never wakes a thread and {@link #wake()} wakes one at most:
 * the stream's thread queues every query a transaction concerns and wakes once at its end, and
 * the workers wake each other as long as more is queued than they are. (Handing each query to
 * a thread pool on its own woke a parked thread per change on the stream's thread: that cost
 * more than routing the change, and grew with the number of distinct queries a transaction
 * touches.) A query never waits behind a slow listener while a thread is free: each worker
 * takes the next query from the shared queue. The queries a batch concerns are collected in an
 * array of the stream's thread and enter the shared queue together when the batch is routed
 * (one queue node and one counter update per batch instead of per query: with many open
 * queries each change concerns another query, and those were cache lines shared with the
 * workers); the workers then take them one by one.
 */
final class DeliveryQueue {

	private static final Logger logger = LoggerFactory.getLogger(DeliveryQueue.class);

	/** {@link Subscription}s and {@link Routed} batches of them, in the order queued. */
	private final ConcurrentLinkedQueue<Object> ready = new ConcurrentLinkedQueue<>();

	// the stream's thread only: the queries of the batch being routed
	private Subscription[] routed = new Subscription[16];

	private int routedCount;

	/** Queries in {@link #ready}: how many workers are worth starting. */
	private final AtomicInteger queued = new AtomicInteger();

	private final AtomicInteger workers = new AtomicInteger();

	/** Workers inside a listener's task: they take nothing else until it returns, however long. */
	private final AtomicInteger busy = new AtomicInteger();

	private final int threads;

	private final Executor executor;

	private final Runnable worker = this::work;

	/**
	 * @param threads the most workers at once
	 * @param executor where they run, with at least {@code threads} threads
	 */
	DeliveryQueue(int threads, Executor executor) {
		this.threads = threads;
		this.executor = executor;
	}

	/**
	 * Queue a query for its listener, without waking a worker: {@link #wake()} must follow.
	 * @param subscription a query that is scheduled (queued at most once until it runs)
	 */
	void queue(Subscription subscription) {
		this.ready.offer(subscription);
		this.queued.incrementAndGet();
	}

	/**
	 * {@link #queue} on the stream's thread while it routes a batch: {@link #wakeRouted()} queues
	 * them all at the batch's end.
	 * @param subscription a query that is scheduled (queued at most once until it runs)
	 */
	void queueRouted(Subscription subscription) {
		if (this.routedCount == this.routed.length) {
			this.routed = Arrays.copyOf(this.routed, this.routed.length * 2);
		}
		this.routed[this.routedCount++] = subscription;
	}

	/** On the stream's thread at the end of a batch: queue what it routed, and {@link #wake()}. */
	void wakeRouted() {
		int count = this.routedCount;
		if (count > 0) {
			Object queued = (count == 1) ? this.routed[0] : new Routed(Arrays.copyOf(this.routed, count));
			Arrays.fill(this.routed, 0, count, null);
			this.routedCount = 0;
			this.ready.offer(queued);
			this.queued.addAndGet(count);
		}
		wake();
	}

	/** @return the next query to run, {@code null} when nothing is queued */
	private @Nullable Subscription take() {
		while (true) {
			Object next = this.ready.peek();
			if (next == null) {
				return null;
			}
			if (next instanceof Routed batch) {
				int index = batch.taken.getAndIncrement();
				if (index >= batch.subscriptions.length - 1) {
					// taken to its end (by this worker or another): off the queue
					this.ready.remove(batch);
				}
				if (index < batch.subscriptions.length) {
					return batch.subscriptions[index];
				}
			}
			else if (this.ready.remove(next)) {
				return (Subscription) next;
			}
		}
	}

	/**
	 * Start a worker if what is queued needs one more: more queries are queued than workers are
	 * free to take them (a worker blocked in a slow listener is not free), and fewer than
	 * {@code threads} run. Each worker, as it takes a query, starts the next one the queue still
	 * needs, so waking costs the caller one thread at most.
	 */
	void wake() {
		while (true) {
			int running = this.workers.get();
			if (running >= this.threads || running - this.busy.get() >= this.queued.get()) {
				return;
			}
			if (this.workers.compareAndSet(running, running + 1)) {
				try {
					this.executor.execute(this.worker);
				}
				catch (RejectedExecutionException ex) {
					// closed: nobody will deliver any more
					this.workers.decrementAndGet();
					closeQueued();
				}
				return;
			}
		}
	}

	private void work() {
		do {
			Subscription subscription;
			while ((subscription = take()) != null) {
				this.queued.decrementAndGet();
				this.busy.incrementAndGet();
				wake();
				try {
					subscription.run();
				}
				catch (RuntimeException ex) {
					logger.warn("Live query {} failed: {}", subscription.shape(), ex.toString());
				}
				finally {
					this.busy.decrementAndGet();
				}
			}
			this.workers.decrementAndGet();
			// a query queued after the last poll by someone who saw this worker running is taken too
		}
		while (!this.ready.isEmpty() && rejoin());
	}

	private boolean rejoin() {
		while (true) {
			int running = this.workers.get();
			if (running >= this.threads) {
				return false;
			}
			if (this.workers.compareAndSet(running, running + 1)) {
				return true;
			}
		}
	}

	private void closeQueued() {
		Subscription subscription;
		while ((subscription = take()) != null) {
			this.queued.decrementAndGet();
			subscription.close();
		}
	}

	/**
	 * The queries one batch concerns, queued as one: workers take them in order, each claiming
	 * the next index.
	 */
	private static final class Routed {

		final Subscription[] subscriptions;

		final AtomicInteger taken = new AtomicInteger();

		Routed(Subscription[] subscriptions) {
			this.subscriptions = subscriptions;
		}

	}

}
