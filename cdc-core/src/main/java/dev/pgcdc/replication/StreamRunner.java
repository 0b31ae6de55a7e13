package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.pgcdc.event.TableName;
import dev.pgcdc.pgoutput.PgOutputException;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.backoff.BackOffExecution;

/**
 * Runs the stream on the reader thread: prepares the server (checks, tables, publication,
 * replica identity, durable slot), opens sessions, reads, and on connection loss or a busy
 * slot retries with back-off (RECONNECTING, STANDBY) until stopped or failed.
 */
final class StreamRunner implements Runnable {

	private static final Logger logger = LoggerFactory.getLogger(StreamRunner.class);

	private final StreamSettings settings;

	private final Supplier<Collection<TableName>> tables;

	private final ConnectionFactory connections;

	private final SlotManager slots;

	private final StartupSequence startup;

	private final TypeRegistry types;

	private final AckTracker ack;

	private final StreamStatistics statistics;

	private final StateTracker state;

	private final CountDownLatch stopSignal = new CountDownLatch(1);

	private @Nullable HandoffQueue dispatcher;

	private volatile boolean stopRequested;

	private volatile @Nullable ReplicationSession session;

	private volatile @Nullable ServerInfo server;

	private volatile @Nullable ReplicationSession firstSession;

	private volatile @Nullable Future<?> firstAttempt;

	private @Nullable BackOffExecution backOff;

	private boolean confirmOnExit;

	private boolean binaryRefused;

	private int walsender;

	StreamRunner(StreamSettings settings, Supplier<Collection<TableName>> tables, TypeRegistry types,
			StreamStatistics statistics, StateTracker state) {
		this.settings = settings;
		this.tables = tables;
		this.connections = new ConnectionFactory(settings);
		this.slots = new SlotManager(settings.slot());
		this.startup = new StartupSequence(settings, this.connections);
		this.types = types;
		this.ack = new AckTracker(this::flushed);
		this.statistics = statistics;
		this.state = state;
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

	/** @return what decides the flushed position */
	AckTracker ack() {
		return this.ack;
	}

	void dispatcher(HandoffQueue dispatcher) {
		this.dispatcher = dispatcher;
	}

	@Nullable ServerInfo server() {
		return this.server;
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
	void flushed(LogSequenceNumber flushed) {
		ReplicationSession current = this.session;
		if (current != null) {
			current.stream().setFlushedLSN(flushed);
			current.stream().setAppliedLSN(flushed);
		}
	}

	/**
	 * On the caller's thread: prepare and connect once, so configuration errors surface from
	 * {@code start()}. An unreachable server or a busy slot is left to {@link #run()}.
	 * @throws CdcConfigurationException for a problem retrying cannot fix
	 */
	void startFirst() {
		try {
			ReplicationSession opened = connect();
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
			CdcConfigurationException configuration = classify(ex, "at start-up");
			if (configuration != null) {
				throw configuration;
			}
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
			if (!awaitFirstAttempt()) {
				return;
			}
			while (!this.stopRequested) {
				ReplicationSession current = this.firstSession;
				this.firstSession = null;
				try {
					if (current == null) {
						current = connect();
					}
					if (current != null) {
						stream(current);
					}
				}
				catch (Exception ex) {
					if (!handleFailure(ex)) {
						return;
					}
				}
				catch (Error ex) {
					// out of memory or worse on the reader: say so instead of leaving a silent STREAMING
					fail(ex);
					return;
				}
				finally {
					// only a session this stream was streaming on ends with its own walsender letting go
					this.confirmOnExit = (this.session != null);
					this.walsender = (current != null) ? current.backendPid() : 0;
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
		finally {
			confirmDurableSlot();
			HandoffQueue current = this.dispatcher;
			if (current != null) {
				// a failed stream dispatches nothing more: its threads end, stop() only tidies up
				current.stop();
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
	 * Ask the runner to end: wakes a back-off wait; a reader blocked in a read ends at its next
	 * message (see {@link #wakeReader()}) or when {@link #abortSession()} closes the connection.
	 */
	void requestStop() {
		this.stopRequested = true;
		this.stopSignal.countDown();
		ReplicationSession unused = this.firstSession;
		if (unused != null) {
			this.firstSession = null;
			unused.close();
		}
	}

	/**
	 * Make the server send the reader a message, so a reader blocked in a read wakes up, sends
	 * its last acknowledgement and closes the connection itself: a durable slot is then
	 * confirmed before another consumer can take it over. Needs {@code messages} (PostgreSQL 14+).
	 * @return whether the message was written
	 */
	boolean wakeReader() {
		ServerInfo info = this.server;
		if (this.session == null || info == null || !info.supportsMessages()) {
			return false;
		}
		try (Connection connection = this.connections.admin();
				java.sql.PreparedStatement statement = connection.prepareStatement(
						"SELECT pg_logical_emit_message(false, ?, '')")) {
			statement.setString(1, TransactionAssembler.WAKE_UP_PREFIX);
			statement.execute();
			return true;
		}
		catch (SQLException ex) {
			logger.debug("Cannot wake the reader of slot {}", this.settings.slot(), ex);
			return false;
		}
	}

	/** Close the replication connection under the reader: a blocked read fails and the reader ends. */
	void abortSession() {
		ReplicationSession current = this.session;
		if (current != null) {
			current.abort();
		}
	}

	/**
	 * The handler threw: stop reading without acknowledging the transaction.
	 * @param error what the handler threw
	 */
	void handlerFailed(Throwable error) {
		fail(error);
		ReplicationSession current = this.session;
		if (current != null) {
			current.abort();
		}
	}

	private boolean failed() {
		HandoffQueue current = this.dispatcher;
		return this.state.get() == StreamState.FAILED || (current != null && current.failed());
	}

	/**
	 * Prepare (when not yet done) and open a session.
	 * @return the session, or {@code null} when the slot is busy (STANDBY)
	 */
	private @Nullable ReplicationSession connect() throws SQLException {
		ServerInfo info = this.server;
		if (info == null) {
			info = prepare();
			this.server = info;
		}
		try {
			ReplicationSession opened = ReplicationSession.open(this.connections, this.slots, this.settings, info,
					this.ack.flushed(), binary(info), this.ack);
			this.backOff = null;
			return opened;
		}
		catch (SQLException ex) {
			if (SqlErrors.isSlotInUse(ex) && this.settings.durable()) {
				standby(ex);
				return null;
			}
			throw ex;
		}
	}

	/** @return whether to ask for binary values on the next session */
	private boolean binary(ServerInfo info) throws SQLException {
		if (!this.settings.binary() || this.binaryRefused || !info.supportsBinary()) {
			return false;
		}
		try (Connection connection = this.connections.admin()) {
			return BinaryFormat.usable(connection, this.settings.publication(), this.types);
		}
	}

	private ServerInfo prepare() throws SQLException {
		ServerInfo info = this.startup.prepare(this.tables.get());
		this.statistics.serverVersion(info.version());
		return info;
	}

	private void stream(ReplicationSession current) throws Exception {
		this.session = current;
		if (this.stopRequested) {
			// stop() may have looked for a session to abort just before this one was set
			return;
		}
		LogSequenceNumber flushed = this.ack.flushed();
		if (flushed.asLong() != 0) {
			current.stream().setFlushedLSN(flushed);
			current.stream().setAppliedLSN(flushed);
		}
		streaming();
		HandoffQueue current0 = this.dispatcher;
		if (current0 == null) {
			throw new IllegalStateException("No dispatcher");
		}
		ServerInfo info = this.server;
		try {
			new StreamReader(current, (info != null) ? info : new ServerInfo("", 0, "", ""), this.settings,
					this.types, current0, this.ack, this.statistics, () -> this.stopRequested).run();
		}
		finally {
			if (this.stopRequested && !failed()) {
				// the dispatcher has ended: this is the final position; tell the server before closing
				current.sendStatus(this.ack.flushed());
			}
		}
	}

	/**
	 * @param ex what ended the session or the attempt to open one
	 * @return whether to try again
	 */
	private boolean handleFailure(Exception ex) {
		if (this.stopRequested || failed() || ex instanceof StreamReader.StoppedException
				|| ex instanceof InterruptedException) {
			return false;
		}
		if (ex instanceof BinaryFormat.UnsupportedColumnException) {
			// a table or column without a binary decoder appeared: text format from now on
			this.binaryRefused = true;
			logger.warn("{}", ex.getMessage());
			lost(ex);
			return true;
		}
		if (ex instanceof CdcConfigurationException || ex instanceof PgOutputException) {
			fail(ex);
			return false;
		}
		if (ex instanceof SQLException sql) {
			CdcConfigurationException configuration = classify(sql, "while streaming");
			if (configuration != null) {
				fail(configuration);
				return false;
			}
			return true;
		}
		lost(ex);
		return true;
	}

	private void streaming() {
		this.state.change(StreamState.STREAMING, "slot " + this.settings.slot() + ", publication "
				+ this.settings.publication() + ", " + this.settings.describe(), null);
	}

	private void standby(SQLException ex) {
		SlotHolder holder = null;
		try (Connection connection = this.connections.admin()) {
			holder = this.slots.holder(connection);
		}
		catch (SQLException lookup) {
			logger.debug("Cannot look up the holder of slot {}", this.settings.slot(), lookup);
		}
		String detail = "slot " + this.settings.slot() + " is held by " + ((holder != null) ? holder : "another process")
				+ "; taking over when it frees";
		this.statistics.error(detail);
		this.state.change(StreamState.STANDBY, detail, ex);
	}

	private void lost(Exception ex) {
		this.statistics.error(ex);
		if (this.state.get() == StreamState.STREAMING) {
			// count lost sessions, not failed attempts
			this.statistics.reconnected();
		}
		this.state.change(StreamState.RECONNECTING, ex.getMessage(), ex);
	}

	private @Nullable CdcConfigurationException classify(SQLException ex, String during) {
		if (SqlErrors.isConnectionProblem(ex)) {
			if (this.state.get() != StreamState.RECONNECTING) {
				lost(ex);
			}
			else {
				this.statistics.error(ex);
				logger.debug("Still cannot reach {}: {}", this.settings.describe(), ex.getMessage());
			}
			return null;
		}
		// once streaming, only a vanished publication or slot (42704) is beyond a reconnect; other
		// errors (a copy the driver gave up on, a server in recovery) are worth another session
		boolean streaming = this.session != null;
		CdcConfigurationException configuration = (!streaming || "42704".equals(ex.getSQLState()))
				? SqlErrors.explain(ex, this.settings, during) : null;
		if (configuration != null) {
			return configuration;
		}
		// anything else may pass (a restarting server, a slot still being released): retry
		lost(ex);
		return null;
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
			HandoffQueue current = this.dispatcher;
			if (current != null) {
				int dropped = current.discardUnfinished();
				if (dropped > 0) {
					logger.debug("Dropped {} queued batches of the transaction the lost connection cut off", dropped);
				}
				current.awaitDrained();
			}
			this.ack.reset();
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
	 * The reader may have been blocked in a read when the last transactions were handled, so
	 * their acknowledgement never went out: move the durable slot there directly.
	 */
	private void confirmDurableSlot() {
		LogSequenceNumber flushed = this.ack.flushed();
		if (!this.settings.durable() || !this.confirmOnExit || flushed.asLong() == 0 || this.server == null) {
			return;
		}
		// stop() interrupts this thread; the short waits for the slot to free must still wait
		boolean interrupted = Thread.interrupted();
		try (Connection connection = this.connections.admin()) {
			this.slots.confirm(connection, flushed, this.walsender, 10, TimeUnit.SECONDS);
		}
		catch (SQLException ex) {
			logger.debug("Cannot confirm slot {} up to {}; the server resends from its last confirmed position",
					this.settings.slot(), flushed.asString(), ex);
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
