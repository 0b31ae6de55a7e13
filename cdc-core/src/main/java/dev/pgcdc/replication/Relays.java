package dev.pgcdc.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.AsyncBatchHandler;
import dev.pgcdc.stream.BatchCompletion;
import dev.pgcdc.stream.BatchHandler;
import org.jspecify.annotations.Nullable;

/**
 * How {@link ChangeStreamBuilder#relay relays} are put in front of the stream's handlers: on the
 * delivery thread, in commit order, before the handlers (and before a parallel dispatcher, so a
 * relay is never split over partitions). A batch is done when every relay and the handlers are
 * done with it: with an asynchronous relay, its completion is split into one part per relay and
 * one for the handlers.
 */
final class Relays {

	private Relays() {
	}

	/** A synchronous relay: done when {@code handle} returned. */
	record Synchronous(BatchHandler relay) implements AsyncBatchHandler {

		@Override
		public void handle(TransactionBatch batch, BatchCompletion completion) throws Exception {
			this.relay.handle(batch);
			completion.complete();
		}

		@Override
		public @Nullable String inProgress() {
			return this.relay.inProgress();
		}

	}

	/** @return whether a relay finishes batches after returning */
	static boolean anyAsynchronous(List<AsyncBatchHandler> relays) {
		return relays.stream().anyMatch((relay) -> !(relay instanceof Synchronous));
	}

	/**
	 * @param relays the relays, first
	 * @param handlers then these, on the delivery thread ({@code null}: none)
	 * @return a synchronous handler: an asynchronous relay is waited for (for an offset store,
	 * whose database transaction is the delivery thread's)
	 */
	static BatchHandler synchronous(List<AsyncBatchHandler> relays, @Nullable BatchHandler handlers) {
		List<BatchHandler> all = new ArrayList<>();
		for (AsyncBatchHandler relay : relays) {
			all.add((relay instanceof Synchronous synchronous) ? synchronous.relay() : awaiting(relay));
		}
		if (handlers != null) {
			all.add(handlers);
		}
		return new BatchHandler() {

			@Override
			public void handle(TransactionBatch batch) throws Exception {
				for (BatchHandler each : all) {
					each.handle(batch);
				}
			}

			@Override
			public @Nullable String inProgress() {
				return firstInProgress(all.stream().<Activity>map((each) -> each::inProgress).toList());
			}

		};
	}

	private static BatchHandler awaiting(AsyncBatchHandler relay) {
		return new BatchHandler() {

			@Override
			public void handle(TransactionBatch batch) throws Exception {
				CompletableFuture<@Nullable Void> done = new CompletableFuture<>();
				relay.handle(batch, new BatchCompletion() {

					@Override
					public void complete() {
						done.complete(null);
					}

					@Override
					public void fail(Throwable error) {
						done.completeExceptionally(error);
					}

					@Override
					public boolean cancelled() {
						return false;
					}

				});
				try {
					done.get();
				}
				catch (ExecutionException ex) {
					throw (ex.getCause() instanceof Exception cause) ? cause : ex;
				}
			}

			@Override
			public @Nullable String inProgress() {
				return relay.inProgress();
			}

		};
	}

	/**
	 * @param relays the relays, first, each with a part of the batch's completion
	 * @param handlers then these with the last part ({@code null}: none)
	 * @return the composite: its completion completes when all parts did, fails with the first that failed
	 */
	static AsyncBatchHandler before(List<AsyncBatchHandler> relays, @Nullable AsyncBatchHandler handlers) {
		List<AsyncBatchHandler> all = new ArrayList<>(relays);
		if (handlers != null) {
			all.add(handlers);
		}
		return new AsyncBatchHandler() {

			@Override
			public void handle(TransactionBatch batch, BatchCompletion completion) throws Exception {
				Parts parts = new Parts(completion, all.size());
				for (AsyncBatchHandler each : all) {
					BatchCompletion part = parts.next();
					try {
						each.handle(batch, part);
					}
					catch (Exception | Error ex) {
						part.fail(ex);
						throw ex;
					}
				}
			}

			@Override
			public @Nullable String inProgress() {
				return firstInProgress(all.stream().<Activity>map((each) -> each::inProgress).toList());
			}

		};
	}

	/** @return a synchronous handler as an asynchronous one: done when it returned */
	static AsyncBatchHandler completing(BatchHandler handler) {
		return new Synchronous(handler);
	}

	private interface Activity {

		@Nullable String current();

	}

	private static @Nullable String firstInProgress(List<Activity> activities) {
		for (Activity activity : activities) {
			String current = activity.current();
			if (current != null) {
				return current;
			}
		}
		return null;
	}

	/** One batch's completion split into parts: complete when every part is, failed by the first failure. */
	private static final class Parts {

		private final BatchCompletion whole;

		private final AtomicInteger open;

		Parts(BatchCompletion whole, int parts) {
			this.whole = whole;
			this.open = new AtomicInteger(parts);
		}

		BatchCompletion next() {
			AtomicBoolean done = new AtomicBoolean();
			return new BatchCompletion() {

				@Override
				public void complete() {
					if (done.compareAndSet(false, true) && Parts.this.open.decrementAndGet() == 0) {
						Parts.this.whole.complete();
					}
				}

				@Override
				public void fail(Throwable error) {
					if (done.compareAndSet(false, true)) {
						Parts.this.whole.fail(error);
					}
				}

				@Override
				public boolean cancelled() {
					return Parts.this.whole.cancelled();
				}

			};
		}

	}

}
