package dev.pgcdc.replication;

import java.sql.SQLException;
import java.util.Collection;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.pgcdc.event.TableName;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.backoff.BackOffExecution;

/**
 * The reader side of one run of the stream: opens sessions (preparing the server first),
 * runs the {@link StreamReader} on each, and when one ends classifies the error
 * ({@link SessionFailures}) and reconnects with back-off (RECONNECTING, STANDBY) until the run
 * is stopped or failed. The first attempt is made by {@code start()}, so configuration errors
 * surface there.
 * <p>
 * Longer than most files here (about 450 lines, half of them comments) on purpose: the run's
 * end-of-life rules (first attempt, stop, back-off, failure, last acknowledgement) interlock and
 * are easiest to check when read in one place; opening sessions ({@link SessionOpener}) and
 * classifying errors ({@link SessionFailures}) live apart.
 */
final class ReconnectLoop implements Runnable {

	private static final Logger logger = LoggerFactory.getLogger(ReconnectLoop.class);

	private final StreamSettings settings;

	private final ConnectionFactory connections;

	private final SlotManager slots;

	private final TypeRegistry types;

	private final AckTracker ack;

	private final StreamStatistics statistics;

	private final StateTracker.RunState state;

	private final SessionFailures failures;

	private final SessionOpener opener;

	/** A session that lasted this long resets the reconnect back-off even without progress. */
	private static final long STEADY_SESSION_NANOS = TimeUnit.MINUTES.toNanos(1);

	private final CountDownLatch stopSignal = new CountDownLatch(1);

	private final CountDownLatch ended = new CountDownLatch(1);

	private @Nullable HandoffQueue queue;

	private volatile boolean stopRequested;

	private volatile long stopDeadline;

	private volatile @Nullable ReplicationSession session;

	private volatile @Nullable ReplicationSession firstSession;

	private volatile @Nullable Future<?> firstAttempt;

	private volatile @Nullable Thread openingThread;

	private @Nullable BackOffExecution backOff;

	private final StandbyProbe standbyProbe;

	/** The last session, when it was closed under the reader, which then could not send its last status. */
	private volatile @Nullable ReplicationSession aborted;

	/** The last session that streamed: its walsender lets go of the slot when the run ends. */
	private volatile @Nullable ReplicationSession streamed;

	ReconnectLoop(StreamSettings settings, Supplier<Collection<TableName>> tables, ConnectionFactory connections,
			StartupSequence startup, TypeRegistry types, StreamStatistics statistics, StateTracker.RunState state) {
		this.settings = settings;
		this.connections = connections;
		this.slots = startup.slots();
		this.types = types;
		this.ack = new AckTracker(this::flushed);
		this.statistics = statistics;
		this.state = state;
		this.failures = new SessionFailures(settings);
		this.opener = new SessionOpener(settings, tables, connections, startup, this.slots, types, statistics, state);
		this.standbyProbe = new StandbyProbe(connections, settings.slot());
	}

	/** @return what decides the flushed position */
	AckTracker ack() {
		return this.ack;
	}

	void queue(HandoffQueue queue) {
		this.queue = queue;
	}

	/** @return whether the current session receives binary values */
	boolean binaryInUse() {
		ReplicationSession current = this.session;
		if (current == null) {
			// start() opened it; the reader thread may not have taken it over yet
			current = this.firstSession;
		}
		return current != null && current.binary();
	}

	/** @return the last position the server reported on the current session, {@code 0/0} without one */
	LogSequenceNumber serverPosition() {
		ReplicationSession current = this.session;
		return (current != null) ? current.stream().getLastReceiveLSN() : LogSequenceNumber.INVALID_LSN;
	}

	/**
	 * Pass a newly flushed position to the current session; it goes out with the next status update.
	 * @param flushed the position
	 */
	private void flushed(LogSequenceNumber flushed) {
		ReplicationSession current = this.session;
		if (current != null) {
			current.stream().setFlushedLSN(flushed);
			current.stream().setAppliedLSN(flushed);
		}
	}

	/**
	 * On the opener's thread: prepare and connect once, so configuration errors surface from
	 * {@code start()}. An unreachable server or a busy slot is left to {@link #run()}.
	 * @throws CdcConfigurationException for a problem retrying cannot fix
	 */
	void openFirst() {
		this.openingThread = Thread.currentThread();
		try {
			ReplicationSession opened = this.opener.open(this.ack);
			this.firstSession = opened;
			if (opened != null && this.stopRequested) {
				// stop() came while the slot was still being created
				this.firstSession = null;
				opened.close();
				return;
			}
			if (opened != null) {
				streaming();
			}
		}
		catch (SQLException ex) {
			if (this.stopRequested) {
				// stop() cancelled what the attempt was waiting for
				return;
			}
			CdcConfigurationException configuration = this.failures.atStartup(ex);
			if (configuration != null) {
				throw configuration;
			}
			lost(ex);
		}
		finally {
			this.openingThread = null;
		}
	}

	/**
	 * @param attempt the first connection attempt, made by {@code start()} on a thread of its own;
	 * the reader begins once it has ended
	 */
	void firstAttempt(Future<?> attempt) {
		this.firstAttempt = attempt;
	}

	@Override
	public void run() {
		try {
			if (awaitFirstAttempt()) {
				loop();
			}
		}
		finally {
			this.standbyProbe.close();
			acknowledgeLast();
			HandoffQueue current = this.queue;
			if (current != null) {
				// a failed stream dispatches nothing more: its threads end, stop() only tidies up
				current.stop();
			}
			this.ended.countDown();
		}
	}

	private void loop() {
		while (!this.stopRequested) {
			ReplicationSession current = this.firstSession;
			this.firstSession = null;
			try {
				if (current == null) {
					current = this.opener.open(this.ack);
				}
				if (current != null) {
					streamAndResetBackOff(current);
				}
			}
			catch (Exception | Error ex) {
				if (!handleFailure(ex)) {
					return;
				}
			}
			finally {
				this.session = null;
				if (current != null) {
					current.close();
				}
			}
			if (this.stopRequested || failed() || !awaitBackOff()) {
				return;
			}
		}
	}

	/**
	 * @return whether to go on: the first attempt ended without an error retrying cannot fix
	 */
	private boolean awaitFirstAttempt() {
		Future<?> attempt = this.firstAttempt;
		if (attempt == null) {
			return true;
		}
		try {
			attempt.get();
			return true;
		}
		catch (ExecutionException ex) {
			// a configuration error found after start() stopped waiting for it
			fail((ex.getCause() != null) ? ex.getCause() : ex);
			return false;
		}
		catch (InterruptedException | CancellationException ex) {
			return false;
		}
	}

	/**
	 * Ask the loop to end: wakes a back-off wait and cancels a first attempt still waiting on
	 * the server (a slot being created waits for every open transaction); a reader blocked in
	 * a read ends at its next message, or when {@link #abortSession()} closes the connection.
	 * @param deadline {@link System#nanoTime()} by which the loop must have ended
	 */
	void requestStop(long deadline) {
		this.stopDeadline = deadline;
		this.stopRequested = true;
		this.stopSignal.countDown();
		Thread opening = this.openingThread;
		if (opening != null) {
			this.connections.cancelOpenedBy(opening);
		}
		ReplicationSession unused = this.firstSession;
		if (unused != null) {
			this.firstSession = null;
			unused.close();
		}
	}

	/**
	 * @param nanos how long to wait at most
	 * @return whether the loop has ended
	 * @throws InterruptedException if interrupted while waiting
	 */
	boolean awaitEnd(long nanos) throws InterruptedException {
		return this.ended.await(nanos, TimeUnit.NANOSECONDS);
	}

	/**
	 * A transaction was handled: send the flushed position now rather than with the next
	 * periodic status update, at most every {@link ReplicationCopyStream#PROMPT_INTERVAL_MILLIS}.
	 * On the dispatcher thread; the reader may be blocked in a read meanwhile.
	 */
	void acknowledgePromptly() {
		ReplicationSession current = this.session;
		if (current != null) {
			current.acknowledgePromptly();
		}
	}

	/**
	 * Make a reader blocked in a read return, so that it notices the stop, sends its last
	 * acknowledgement and closes the session itself.
	 * @return whether it will (otherwise only {@link #abortSession()} ends its read)
	 */
	boolean wakeReader() {
		ReplicationSession current = this.session;
		return current == null || current.wake();
	}

	/** Ask the current session's server for a keepalive, so an idle stream follows its position. */
	void requestReply() {
		ReplicationSession current = this.session;
		if (current != null) {
			current.requestReply();
		}
	}

	/** Close the replication connection under the reader: a blocked read fails and the reader ends. */
	void abortSession() {
		ReplicationSession current = this.session;
		if (current != null) {
			this.aborted = current;
			current.abort();
		}
	}

	/**
	 * A handler found its database unavailable (shutting down, restarting, unreachable): give up
	 * the session at once without acknowledging the transaction, so that a server shutting down
	 * is not kept waiting for its confirmation (a walsender ends a shutdown only once its client
	 * confirmed everything sent, or went away), and reconnect with back-off; a durable slot
	 * delivers the transaction again. On the dispatcher thread.
	 * @param error what the handler threw
	 */
	void handlerDatabaseUnavailable(Throwable error) {
		logger.warn("{}", error.getMessage());
		lost(error);
		abortSession();
	}

	/**
	 * The handler threw: stop reading without acknowledging the transaction.
	 * @param error what the handler threw
	 */
	void handlerFailed(Throwable error) {
		fail(error);
		abortSession();
	}

	private boolean failed() {
		HandoffQueue current = this.queue;
		return this.state.get() == StreamState.FAILED || (current != null && current.failed());
	}

	/**
	 * Stream on a session; once it handled something (or lasted {@link #STEADY_SESSION_NANOS}),
	 * the reconnect back-off starts over, so that the wait after a cut does not grow over a long
	 * run's unrelated cuts and restarts. A session that ends without progress (a handler whose
	 * database stays down) keeps the back-off growing.
	 */
	private void streamAndResetBackOff(ReplicationSession current) throws Exception {
		long started = System.nanoTime();
		long flushedAtStart = this.ack.flushed().asLong();
		try {
			stream(current);
		}
		finally {
			if (this.ack.flushed().asLong() > flushedAtStart || System.nanoTime() - started >= STEADY_SESSION_NANOS) {
				this.backOff = null;
			}
		}
	}

	private void stream(ReplicationSession current) throws Exception {
		this.session = current;
		this.streamed = current;
		// a standby that took over needs its probe's connection no more
		this.standbyProbe.close();
		if (this.stopRequested) {
			// stop() may have looked for a session to abort just before this one was set
			return;
		}
		LogSequenceNumber flushed = this.ack.flushed();
		if (flushed.asLong() != 0) {
			current.stream().setFlushedLSN(flushed);
			current.stream().setAppliedLSN(flushed);
		}
		// the first status update goes out at once, not one status interval after the session began
		current.acknowledgePromptly();
		streaming();
		HandoffQueue handoff = this.queue;
		if (handoff == null) {
			throw new IllegalStateException("No hand-off queue");
		}
		ServerInfo info = this.opener.server();
		try {
			new StreamReader(current, (info != null) ? info : new ServerInfo("", 0, "", ""), this.settings,
					this.types, handoff, this.ack, this.statistics, () -> this.stopRequested).run();
		}
		finally {
			if (this.stopRequested && !failed() && this.aborted != current) {
				// the dispatcher has ended: this is the final position; tell the server before closing
				current.sendStatus(this.ack.flushed());
			}
		}
	}

	/**
	 * @param ex what ended the session or the attempt to open one
	 * @return whether to try again
	 */
	private boolean handleFailure(Throwable ex) {
		if (this.stopRequested || failed() || ex instanceof StreamReader.StoppedException
				|| ex instanceof InterruptedException) {
			return false;
		}
		SessionFailures.Outcome outcome = this.failures.classify(ex, this.session != null);
		switch (outcome.verdict()) {
			case FAIL -> {
				fail(outcome.error());
				return false;
			}
			case RETRY_IN_TEXT -> {
				this.opener.refuseBinary();
				logger.warn("{}", ex.getMessage());
				lost(outcome.error());
			}
			case RETRY -> {
				if (outcome.connectionProblem() && this.state.get() == StreamState.RECONNECTING) {
					this.statistics.error(outcome.error());
					logger.debug("Still cannot reach {}: {}", this.settings.describe(), ex.getMessage());
				}
				else {
					lost(outcome.error());
				}
			}
		}
		return true;
	}

	private void streaming() {
		HandoffQueue handoff = this.queue;
		StreamState next = (handoff != null && handoff.paused()) ? StreamState.PAUSED : StreamState.STREAMING;
		this.state.change(next, "slot " + this.settings.slot() + ", publication " + this.settings.publication() + ", "
				+ this.settings.describe(), null);
	}

	private void lost(Throwable ex) {
		this.statistics.error(ex);
		if (this.state.get() == StreamState.STREAMING || this.state.get() == StreamState.PAUSED) {
			// count lost sessions, not failed attempts
			this.statistics.reconnected();
		}
		this.state.change(StreamState.RECONNECTING, ex.getMessage(), ex);
	}

	private void fail(Throwable error) {
		this.statistics.error(error);
		this.state.change(StreamState.FAILED, error.getMessage(), error);
	}

	/**
	 * Wait before the next attempt. Before reconnecting, drop the queued batches of the
	 * transaction the connection cut off (a durable slot sends it again in full from the flushed
	 * position; a temporary slot never sends its rest), let the dispatcher finish the complete
	 * transactions still queued, and forget the open ones. A batch already being handled cannot
	 * be recalled: from a durable slot it comes again (at-least-once).
	 * @return whether to try again
	 */
	private boolean awaitBackOff() {
		try {
			HandoffQueue current = this.queue;
			if (current != null) {
				int dropped = current.discardUnfinished();
				if (dropped > 0) {
					logger.debug("Dropped {} queued batches of the transaction the lost connection cut off", dropped);
				}
				current.awaitDrained();
			}
			this.ack.reset();
			if (current != null) {
				current.acceptAgain();
			}
			if (this.state.get() == StreamState.STANDBY && this.settings.durable()) {
				// not the back-off: look at the slot until its holder lets go of it
				return this.standbyProbe.awaitFree(this.stopSignal);
			}
			this.standbyProbe.close();
			if (this.backOff == null) {
				this.backOff = this.settings.backOff().start();
			}
			long wait = this.backOff.nextBackOff();
			if (wait == BackOffExecution.STOP) {
				fail(new IllegalStateException("Gave up reconnecting to " + this.settings.describe()
						+ " (the back-off allows no more attempts)"));
				return false;
			}
			return !this.stopSignal.await(wait, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * Make sure a durable slot's confirmed position reaches what was handled. The last status
	 * update may not have gone out (a handler failed, a stop ran out of time and closed the
	 * connection) or may have been lost: closing a connection with the server's data still
	 * unread resets it, and the server can drop what it had not read yet. So once the run's
	 * walsender has let go of the slot, move the slot there directly; a no-op when the server
	 * got the update.
	 */
	private void acknowledgeLast() {
		ReplicationSession last = this.streamed;
		LogSequenceNumber flushed = this.ack.flushed();
		if (last == null || !this.settings.durable() || flushed.asLong() == 0) {
			return;
		}
		boolean interrupted = Thread.interrupted();
		// a run that failed (no stop requested yet) gets the shutdown timeout as well
		long deadline = this.stopRequested ? this.stopDeadline
				: System.nanoTime() + this.settings.shutdownTimeout().toNanos();
		try {
			FinalAcknowledgement.send(this.connections, this.slots, flushed, last.backendPid(), deadline);
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
