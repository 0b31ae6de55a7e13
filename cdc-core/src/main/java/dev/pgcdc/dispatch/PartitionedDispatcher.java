package dev.pgcdc.dispatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.AsyncBatchHandler;
import dev.pgcdc.stream.BatchCompletion;
import dev.pgcdc.stream.BatchHandler;
import org.jspecify.annotations.Nullable;

/**
 * Ordered parallel dispatch ({@code cdc.dispatch.concurrency}): the events of each batch are
 * split into N partitions by table and primary key (a table without one: by table; a logical
 * message: by prefix), and each partition runs its events on its own lane, one at a time, in
 * WAL order, while the other partitions run in parallel. So the changes of one row keep their
 * commit order, and unrelated rows do not wait for each other.
 * <p>
 * A batch is complete once every partition ran its part; the stream acknowledges a transaction
 * only when it and every transaction before it are complete (see {@link AsyncBatchHandler}), so a
 * durable slot stays at-least-once. A failed part fails the batch's completion (the error policy
 * {@code STOP} has thrown): nothing from that transaction on is acknowledged, and the parts not
 * yet started of it and of later transactions are skipped. {@code SKIP} is the lanes' own
 * business, as with one thread.
 * <p>
 * Events that concern more than one partition wait for everything handed over before them and
 * hold back everything after them until they are done: a {@code TRUNCATE}, and an {@code UPDATE}
 * that moves a row to a key of another partition. Snapshot batches (the rows of a snapshot chunk)
 * are handed back only once they ran, because the snapshot's progress is stored after them.
 * <p>
 * At most {@code maxBatches} batches are in flight; beyond that, {@link #handle} waits (the
 * reader's queue then fills and back-pressure reaches the server as with one thread).
 */
public final class PartitionedDispatcher implements AsyncBatchHandler {

	/** Finds a table's primary-key columns. */
	@FunctionalInterface
	public interface KeyColumns {

		/**
		 * @param table a table
		 * @return its primary-key columns, empty when it has none
		 */
		List<String> of(TableName table);

	}

	private final Partition[] partitions;

	private final KeyColumns keys;

	private final ThreadPoolExecutor executor;

	private final Semaphore batches;

	/** Parts handed to partitions and not yet run: the barriers wait for none. */
	private final AtomicInteger running = new AtomicInteger();

	private final Object quiet = new Object();

	// delivery thread only
	private @Nullable TableName lastTable;

	private List<String> lastKey = List.of();

	/**
	 * @param concurrency the number of partitions and threads, at least 2
	 * @param lanes gives each partition its handler (for a {@link HandlerMulticaster}: {@code newLane()})
	 * @param keys finds each table's primary key (asked once per table and batch run; cache it)
	 * @param maxBatches how many batches may be in flight at once
	 * @param threadName the prefix of the worker threads' names
	 */
	public PartitionedDispatcher(int concurrency, Supplier<BatchHandler> lanes, KeyColumns keys, int maxBatches,
			String threadName) {
		if (concurrency < 2) {
			throw new IllegalArgumentException("concurrency must be at least 2 (1 is the stream's own thread), was "
					+ concurrency);
		}
		this.partitions = new Partition[concurrency];
		for (int i = 0; i < concurrency; i++) {
			this.partitions[i] = new Partition(lanes.get());
		}
		this.keys = keys;
		this.batches = new Semaphore(maxBatches);
		AtomicInteger threads = new AtomicInteger();
		this.executor = new ThreadPoolExecutor(concurrency, concurrency, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				(task) -> {
					Thread thread = new Thread(task, threadName + "-" + threads.incrementAndGet());
					// the stream waits for their work when it stops; idle ones end after 10 s
					thread.setDaemon(true);
					return thread;
				});
		this.executor.allowCoreThreadTimeOut(true);
	}

	/** @return the number of partitions */
	public int concurrency() {
		return this.partitions.length;
	}

	@Override
	public void handle(TransactionBatch batch, BatchCompletion completion) throws Exception {
		boolean snapshot = isSnapshot(batch);
		if (completion.cancelled()) {
			completion.complete();
			if (snapshot) {
				throw notDelivered();
			}
			return;
		}
		this.batches.acquire();
		Job job = new Job(completion, this.batches);
		try {
			split(batch, job);
		}
		catch (Throwable ex) {
			job.done(ex);
			throw ex;
		}
		// the handing over's own share: the job completes once every part handed over ran
		job.done(null);
		if (snapshot) {
			// the snapshot stores its progress once this returns: only after its rows ran
			Throwable failure = job.await();
			if (failure instanceof Exception ex) {
				throw ex;
			}
			if (failure != null) {
				throw new IllegalStateException(failure.getMessage(), failure);
			}
			if (job.skipped) {
				throw notDelivered();
			}
		}
	}

	private static CancellationException notDelivered() {
		return new CancellationException("Snapshot rows not delivered: an earlier batch failed or the stream is stopping");
	}

	private void split(TransactionBatch batch, Job job) throws InterruptedException {
		int n = this.partitions.length;
		@SuppressWarnings("unchecked")
		List<CdcEvent>[] parts = new List[n];
		for (CdcEvent event : batch.events()) {
			int partition;
			boolean barrier = false;
			if (event instanceof ChangeEvent change) {
				if (change.operation() == Operation.TRUNCATE) {
					partition = Math.floorMod(tableOf(change).hashCode(), n);
					barrier = true;
				}
				else {
					partition = partitionOf(change, change.record());
					Map<String, @Nullable Object> old = change.oldRecord();
					if (change.operation() == Operation.UPDATE && old != null && partitionOf(change, old) != partition) {
						barrier = true;
					}
				}
			}
			else {
				partition = Math.floorMod(spread(((LogicalMessage) event).prefix().hashCode()), n);
			}
			if (barrier) {
				hand(parts, batch, job);
				awaitQuiet();
				List<CdcEvent> alone = new ArrayList<>(1);
				alone.add(event);
				submit(partition, batch, alone, job);
				awaitQuiet();
			}
			else {
				List<CdcEvent> part = parts[partition];
				if (part == null) {
					part = new ArrayList<>();
					parts[partition] = part;
				}
				part.add(event);
			}
		}
		hand(parts, batch, job);
	}

	private void hand(@Nullable List<CdcEvent>[] parts, TransactionBatch batch, Job job) {
		for (int i = 0; i < parts.length; i++) {
			List<CdcEvent> part = parts[i];
			if (part != null) {
				parts[i] = null;
				submit(i, batch, part, job);
			}
		}
	}

	private void submit(int partition, TransactionBatch batch, List<CdcEvent> events, Job job) {
		job.add();
		this.running.incrementAndGet();
		TransactionBatch part = new TransactionBatch(batch.xid(), batch.lsn(), batch.commitTimestamp(), events,
				batch.first(), batch.last());
		this.partitions[partition].submit(new Part(part, job));
	}

	private void awaitQuiet() throws InterruptedException {
		synchronized (this.quiet) {
			while (this.running.get() > 0) {
				this.quiet.wait();
			}
		}
	}

	private void ran() {
		if (this.running.decrementAndGet() == 0) {
			synchronized (this.quiet) {
				this.quiet.notifyAll();
			}
		}
	}

	private int partitionOf(ChangeEvent event, @Nullable Map<String, @Nullable Object> row) {
		TableName table = tableOf(event);
		int hash = table.hashCode();
		List<String> key = this.lastKey;
		if (row != null) {
			for (String column : key) {
				Object value = row.get(column);
				hash = 31 * hash + ((value instanceof byte[] bytes) ? Arrays.hashCode(bytes) : Objects.hashCode(value));
			}
		}
		return Math.floorMod(spread(hash), this.partitions.length);
	}

	private TableName tableOf(ChangeEvent event) {
		TableName last = this.lastTable;
		if (last != null && last.schema().equals(event.schema()) && last.name().equals(event.table())) {
			return last;
		}
		TableName table = new TableName(event.schema(), event.table());
		this.lastTable = table;
		this.lastKey = this.keys.of(table);
		return table;
	}

	private static int spread(int hash) {
		int h = hash * 0x9E3779B9;
		return h ^ (h >>> 16);
	}

	private static boolean isSnapshot(TransactionBatch batch) {
		List<CdcEvent> events = batch.events();
		return !events.isEmpty() && events.get(0) instanceof ChangeEvent change && change.operation() == Operation.SNAPSHOT;
	}

	@Override
	public @Nullable String inProgress() {
		List<String> busy = new ArrayList<>();
		for (Partition partition : this.partitions) {
			String handler = partition.lane.inProgress();
			if (handler != null) {
				busy.add(handler);
			}
		}
		return busy.isEmpty() ? null : String.join(", ", busy);
	}

	/** The parts of one batch handed to partitions, and its completion. */
	private static final class Job {

		private final BatchCompletion completion;

		private final Semaphore batches;

		// one share for the handing over itself
		private final AtomicInteger remaining = new AtomicInteger(1);

		private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();

		private final Object monitor = new Object();

		private boolean finished;

		/** Whether a part was skipped (its completion cancelled), so not every event ran. */
		private volatile boolean skipped;

		Job(BatchCompletion completion, Semaphore batches) {
			this.completion = completion;
			this.batches = batches;
		}

		void add() {
			this.remaining.incrementAndGet();
		}

		boolean skip() {
			return this.failure.get() != null || this.completion.cancelled();
		}

		void done(@Nullable Throwable error) {
			if (error != null && this.failure.compareAndSet(null, error)) {
				// at once: later transactions' parts see their completions cancelled and are skipped
				this.completion.fail(error);
			}
			if (this.remaining.decrementAndGet() == 0) {
				this.batches.release();
				if (this.failure.get() == null) {
					this.completion.complete();
				}
				synchronized (this.monitor) {
					this.finished = true;
					this.monitor.notifyAll();
				}
			}
		}

		@Nullable Throwable await() throws InterruptedException {
			synchronized (this.monitor) {
				while (!this.finished) {
					this.monitor.wait();
				}
			}
			return this.failure.get();
		}

	}

	/** One partition's share of a batch. */
	private record Part(TransactionBatch batch, Job job) {
	}

	/** A partition: its lane runs its parts one at a time, in the order handed over, on a pool thread. */
	private final class Partition implements Runnable {

		private final BatchHandler lane;

		private final ConcurrentLinkedQueue<Part> parts = new ConcurrentLinkedQueue<>();

		private final AtomicBoolean scheduled = new AtomicBoolean();

		Partition(BatchHandler lane) {
			this.lane = lane;
		}

		void submit(Part part) {
			this.parts.add(part);
			if (this.scheduled.compareAndSet(false, true)) {
				PartitionedDispatcher.this.executor.execute(this);
			}
		}

		@Override
		public void run() {
			Part part;
			while ((part = this.parts.poll()) != null) {
				Throwable error = null;
				if (part.job().skip()) {
					part.job().skipped = true;
				}
				else {
					try {
						this.lane.handle(part.batch());
					}
					catch (Throwable ex) {
						error = ex;
					}
				}
				part.job().done(error);
				ran();
			}
			this.scheduled.set(false);
			if (!this.parts.isEmpty() && this.scheduled.compareAndSet(false, true)) {
				PartitionedDispatcher.this.executor.execute(this);
			}
		}

	}

}
