package dev.pgcdc.replication;

import java.util.Collection;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.pgcdc.event.TableName;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a stream's loops, as spring-kafka's listener container runs its consumer: the reader
 * ({@link ReconnectLoop}) and the delivery thread ({@link HandoffQueue}) on an
 * {@link Executor}, one <em>run</em> from each {@link #start()} to the next {@link #stop()}.
 * The requested state (started, paused) is kept apart from the actual one
 * ({@link StateTracker}): a stop that lands while the first session is still opening cancels
 * it, and its threads can no longer change the state.
 * <p>
 * {@link #stop()} never waits longer than the shutdown timeout: a handler still running then is
 * abandoned with a WARN naming it, its transaction unacknowledged. Stopping writes nothing to
 * the database: a status update asking for a reply wakes a reader blocked in a read
 * ({@link StatusWriter}), and the reader sends its last acknowledgement itself.
 */
final class StreamContainer {

	private static final Logger logger = LoggerFactory.getLogger(ChangeStream.class);

	/** How often {@link #awaitFlushed} asks an idle server for its position. */
	private static final long CAUGHT_UP_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	private final StreamSettings settings;

	/** The bridge to an asynchronous handler, or {@code null} for a synchronous one. */
	private final @Nullable CompletionBridge bridge;

	private final Supplier<Collection<TableName>> tables;

	private final ConnectionFactory connections;

	private final StartupSequence startup;

	private final TypeRegistry types;

	private final StreamStatistics statistics;

	private final StateTracker state;

	private final Executor executor;

	private final Object lifecycle = new Object();

	private volatile @Nullable Run run;

	private volatile boolean pauseRequested;

	StreamContainer(StreamSettings settings, Supplier<Collection<TableName>> tables, ConnectionFactory connections,
			StartupSequence startup, TypeRegistry types, StreamStatistics statistics, StateTracker state,
			@Nullable CompletionBridge bridge) {
		this.settings = settings;
		this.bridge = bridge;
		this.tables = tables;
		this.connections = connections;
		this.startup = startup;
		this.types = types;
		this.statistics = statistics;
		this.state = state;
		this.executor = (settings.taskExecutor() != null) ? settings.taskExecutor() : new ThreadPerTask(settings.slot());
	}

	/**
	 * Start a run and wait at most the start-up wait for its first session.
	 * @throws dev.pgcdc.stream.CdcConfigurationException for a problem retrying cannot fix
	 */
	void start() {
		Run started;
		synchronized (this.lifecycle) {
			if (this.run != null) {
				return;
			}
			started = new Run(this.state.start(this.settings.describe()));
			this.run = started;
			started.launch();
		}
		// outside the lock: stop(), addTable() and removeTable() must not queue behind a slot being created
		try {
			started.first.get(this.settings.startupWait().toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (ExecutionException ex) {
			RuntimeException cause = (ex.getCause() instanceof RuntimeException runtime) ? runtime
					: new IllegalStateException(ex.getCause());
			this.statistics.error(cause);
			started.state.change(StreamState.FAILED, cause.getMessage(), cause);
			synchronized (this.lifecycle) {
				if (this.run == started) {
					this.run = null;
				}
			}
			throw cause;
		}
		catch (TimeoutException ex) {
			logger.warn("Change stream on slot {} is not streaming yet after {}: creating a replication slot waits"
					+ " for the transactions open at that moment to end (look for 'idle in transaction' in"
					+ " pg_stat_activity); it goes on in the background", this.settings.slot(),
					this.settings.startupWait());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			stop();
			throw new IllegalStateException("Interrupted while starting the change stream", ex);
		}
	}

	/**
	 * Stop the current run and wait for its threads, at most the shutdown timeout.
	 */
	void stop() {
		Run current;
		synchronized (this.lifecycle) {
			current = this.run;
			if (current == null) {
				return;
			}
			this.run = null;
		}
		current.stop(System.nanoTime() + this.settings.shutdownTimeout().toNanos());
		this.state.stopped();
	}

	/** @param pause whether to pause dispatch (from the next batch on) or resume it */
	void pause(boolean pause) {
		this.pauseRequested = pause;
		Run current = this.run;
		if (current != null) {
			current.queue.pause(pause);
		}
	}

	/** @return whether a pause was requested (the actual state may still be STREAMING) */
	boolean pauseRequested() {
		return this.pauseRequested;
	}

	/** @return whether a run was started and not stopped (also while FAILED, until stopped) */
	boolean isRunning() {
		return this.run != null;
	}

	/** @return the flushed position of the current run, {@code 0/0} without one */
	LogSequenceNumber flushed() {
		Run current = this.run;
		return (current != null) ? current.loop.ack().flushed() : LogSequenceNumber.INVALID_LSN;
	}

	/**
	 * Wait until the current run's flushed position reaches a position: everything before it
	 * handled, filtered or skipped. While idle, the server is asked for its position now and then.
	 * @param target the position
	 * @param deadline {@link System#nanoTime()} to give up at
	 * @return whether it did before the deadline
	 * @throws InterruptedException if interrupted while waiting
	 */
	boolean awaitFlushed(LogSequenceNumber target, long deadline) throws InterruptedException {
		while (true) {
			Run current = this.run;
			long left = deadline - System.nanoTime();
			if (current == null || left <= 0) {
				return false;
			}
			AckTracker ack = current.loop.ack();
			if (ack.awaitFlushed(target.asLong(), Math.min(left, CAUGHT_UP_CHECK_NANOS))) {
				return true;
			}
			if (!ack.inFlight()) {
				// nothing waits for a handler: the position only moves with what the server reports,
				// and an idle server reports it only every half wal_sender_timeout unless asked
				ack.advanceIfIdle(current.loop.serverPosition());
				current.loop.requestReply();
			}
		}
	}

	/** @return the last position the server reported, {@code 0/0} without a session */
	LogSequenceNumber serverPosition() {
		Run current = this.run;
		return (current != null) ? current.loop.serverPosition() : LogSequenceNumber.INVALID_LSN;
	}

	/** @return whether the current session receives binary values */
	boolean binaryInUse() {
		Run current = this.run;
		return current != null && current.loop.binaryInUse();
	}

	/** @return the number of batches waiting for the handler, 0 when not started */
	int queuedBatches() {
		Run current = this.run;
		return (current != null) ? current.queue.queued() : 0;
	}

	/** One start-to-stop life of the stream: its reader, its delivery thread, its first attempt. */
	private final class Run {

		private final StateTracker.RunState state;

		private final ReconnectLoop loop;

		private final HandoffQueue queue;

		private final FutureTask<Void> first;

		private final @Nullable Heartbeat heartbeat;

		Run(long number) {
			StreamSettings settings = StreamContainer.this.settings;
			this.state = new StateTracker.RunState(StreamContainer.this.state, number);
			this.loop = new ReconnectLoop(settings, StreamContainer.this.tables, StreamContainer.this.connections,
					StreamContainer.this.startup, StreamContainer.this.types, StreamContainer.this.statistics, this.state);
			this.queue = new HandoffQueue(settings.queueCapacity(), settings.handler(), this.loop.ack(),
					StreamContainer.this.statistics, this.loop::serverPosition,
					Math.max(1, Math.min(1000, settings.statusInterval().toMillis())), this.state,
					this.loop::handlerFailed, this.loop::acknowledgePromptly, this.loop::handlerDatabaseUnavailable,
					settings.offsetStore(), StreamContainer.this.bridge);
			this.queue.pause(StreamContainer.this.pauseRequested);
			this.loop.queue(this.queue);
			this.first = new FutureTask<>(this.loop::openFirst, null);
			this.loop.firstAttempt(this.first);
			this.heartbeat = (settings.heartbeatInterval() != null)
					? new Heartbeat(StreamContainer.this.connections, settings, StreamContainer.this.statistics::lastData,
							this.state::get)
					: null;
		}

		void launch() {
			// creating a slot waits until every transaction open at that moment has ended, so one
			// session idle in transaction could hold start() for ever: the first attempt runs apart
			StreamContainer.this.executor.execute(new Named("start", this.first));
			StreamContainer.this.executor.execute(new Named("dispatch", this.queue));
			StreamContainer.this.executor.execute(new Named("read", this.loop));
			if (this.heartbeat != null) {
				this.heartbeat.start();
			}
		}

		void stop(long deadline) {
			if (this.heartbeat != null) {
				this.heartbeat.stop();
			}
			this.loop.requestStop(deadline);
			this.queue.stop();
			try {
				if (!this.queue.awaitEnd(deadline - System.nanoTime())) {
					String handler = this.queue.inProgress();
					logger.warn("Change stream on slot {}: handler {} did not return within the shutdown timeout ({});"
							+ " abandoning it, its transaction is not acknowledged", StreamContainer.this.settings.slot(),
							(handler != null) ? "'" + handler + "'" : "(unknown)",
							StreamContainer.this.settings.shutdownTimeout());
					this.queue.interrupt();
				}
				// the woken reader sends its last status update and closes the session itself; one that
				// cannot be woken, or is stuck on a server that does not answer, gets its connection closed
				if (!this.loop.wakeReader()) {
					this.loop.abortSession();
				}
				if (!this.loop.awaitEnd(deadline - System.nanoTime())) {
					this.loop.abortSession();
					logger.warn("Change stream on slot {}: the reader did not end within the shutdown timeout ({});"
							+ " closed its connection", StreamContainer.this.settings.slot(),
							StreamContainer.this.settings.shutdownTimeout());
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				this.loop.abortSession();
			}
		}

	}

	/** A task with the name its thread gets from the default executor. */
	private record Named(String role, Runnable task) implements Runnable {

		@Override
		public void run() {
			this.task.run();
		}

	}

	/** The default executor: a new (non-daemon) thread per loop, named after its role and the slot. */
	private record ThreadPerTask(String slot) implements Executor {

		@Override
		public void execute(Runnable task) {
			String role = (task instanceof Named named) ? named.role() : "task";
			new Thread(task, "pgcdc-" + role + "-" + this.slot).start();
		}

	}

}
