package dev.pgcdc.replication;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.TableName;
import org.jspecify.annotations.Nullable;
import org.postgresql.copy.CopyDual;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * The walsender protocol on a pgjdbc {@link CopyDual}: {@code START_REPLICATION}, XLogData,
 * keepalives and standby status updates.
 * <p>
 * pgjdbc's own stream handles keepalives inside its blocking {@code read()} and answers one
 * that asks for a reply only when the next message arrives. A server that shuts down sends
 * exactly such a keepalive and then waits for the answer, for up to {@code wal_sender_timeout}.
 * This stream returns to the caller's loop after every message, so it answers at once, and it
 * lets the flushed position follow the server while nothing is in flight, so that answer
 * confirms everything and the walsender can exit.
 */
final class ReplicationCopyStream implements PGReplicationStream {

	/** The shortest time between two status updates sent because transactions were handled. */
	static final long PROMPT_INTERVAL_MILLIS = 100;

	private static final long PROMPT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(PROMPT_INTERVAL_MILLIS);

	/** Microseconds between the Unix and the PostgreSQL epoch (2000-01-01). */
	private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;

	private final CopyDual copy;

	private final StatusWriter writer;

	private final long statusIntervalNanos;

	private final AckTracker ack;

	private volatile long received;

	private volatile long flushed;

	private volatile long applied;

	/** The flushed position the last status update carried; none yet. */
	private volatile long sentFlushed = -1;


	/** Long ago: the first update of a session is never held back. */
	private volatile long lastStatus = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

	private volatile boolean wakeRequested;

	private boolean closed;

	private ReplicationCopyStream(CopyDual copy, StatusWriter writer, LogSequenceNumber start,
			long statusIntervalMillis, AckTracker ack) {
		this.copy = copy;
		this.writer = writer;
		this.received = start.asLong();
		this.statusIntervalNanos = TimeUnit.MILLISECONDS.toNanos(statusIntervalMillis);
		this.ack = ack;
	}

	/**
	 * @param slot the slot name
	 * @param start where to start ({@code 0/0}: the slot's confirmed position)
	 * @param options the output plugin options, name to value
	 * @return the {@code START_REPLICATION} command for a logical slot, names and values quoted
	 */
	static String command(String slot, LogSequenceNumber start, Map<String, String> options) {
		StringBuilder command = new StringBuilder("START_REPLICATION SLOT ").append(TableName.quote(slot))
			.append(" LOGICAL ")
			.append(start.asString());
		if (!options.isEmpty()) {
			command.append(" (");
			options.forEach((name, value) -> {
				if (command.charAt(command.length() - 1) != '(') {
					command.append(", ");
				}
				command.append(TableName.quote(name)).append(" '").append(value.replace("'", "''")).append('\'');
			});
			command.append(')');
		}
		return command.toString();
	}

	/**
	 * Start streaming on a replication connection.
	 * @param copy the copy started with {@link #command}
	 * @param start the start position
	 * @param statusIntervalMillis how often to send a status update while messages flow
	 * @param ack the acknowledgement tracker (for following the server while idle)
	 * @return the stream
	 */
	static ReplicationCopyStream start(CopyDual copy, StatusWriter writer, LogSequenceNumber start,
			long statusIntervalMillis, AckTracker ack) {
		return new ReplicationCopyStream(copy, writer, start, statusIntervalMillis, ack);
	}

	@Override
	public @Nullable ByteBuffer read() throws SQLException {
		return next(true);
	}

	@Override
	public @Nullable ByteBuffer readPending() throws SQLException {
		return next(false);
	}

	private @Nullable ByteBuffer next(boolean block) throws SQLException {
		checkOpen();
		while (this.copy.isActive()) {
			byte[] message = this.copy.readFromCopy(block);
			if (message == null) {
				return null;
			}
			ByteBuffer buffer = ByteBuffer.wrap(message);
			byte type = buffer.get();
			if (type == 'w') {
				// XLogData: Int64 start, Int64 server WAL end, Int64 clock, payload
				long start = buffer.getLong();
				buffer.getLong();
				buffer.getLong();
				this.received = start;
				if (statusDue()) {
					sendStatus(false);
				}
				return buffer.slice();
			}
			if (type == 'k') {
				// keepalive: Int64 server WAL end, Int64 clock, Byte1 reply requested
				long walEnd = buffer.getLong();
				buffer.getLong();
				boolean replyRequested = buffer.get() != 0;
				if (walEnd > this.received) {
					this.received = walEnd;
				}
				if (replyRequested || statusDue()) {
					// everything up to the keepalive was read; if nothing waits for a handler it is done
					this.ack.advanceIfIdle(LogSequenceNumber.valueOf(this.received));
					sendStatus(false);
				}
				if (!block || this.wakeRequested) {
					this.wakeRequested = false;
					return null;
				}
				continue;
			}
			throw new SQLException("Unexpected replication message type '" + (char) type + "'", "08P01");
		}
		return null;
	}

	private boolean statusDue() {
		return System.nanoTime() - this.lastStatus >= this.statusIntervalNanos;
	}

	/**
	 * From another thread: make a reader blocked in {@link #read()} return ({@code null}) soon,
	 * by sending the flushed position with a request for the server to answer. Writes nothing to
	 * the database.
	 * @return whether the request went out (otherwise the reader stays blocked until the next message)
	 */
	boolean wake() {
		if (!this.writer.concurrent()) {
			return false;
		}
		this.wakeRequested = true;
		try {
			sendStatus(true);
			return true;
		}
		catch (SQLException ex) {
			this.wakeRequested = false;
			return false;
		}
	}

	/**
	 * Send a status update now unless one went out within {@link #PROMPT_INTERVAL_MILLIS}: a
	 * handled transaction reaches the server within that time (plus the dispatcher's next
	 * completion), not one status interval later. From any thread (see {@link StatusWriter});
	 * without a concurrent writer only the reader's own updates go out.
	 */
	void acknowledgePromptly() {
		if (!this.writer.concurrent() || this.flushed == this.sentFlushed
				|| System.nanoTime() - this.lastStatus < PROMPT_INTERVAL_NANOS) {
			// nothing new to tell, or told just now: the dispatcher's next completion or idle check
			// sends it (so the last transactions of a burst are acknowledged within a second too)
			return;
		}
		try {
			sendStatus(false);
		}
		catch (SQLException ex) {
			// the reader meets the same broken connection and reconnects; nothing is lost
		}
	}

	/**
	 * From any thread: send the flushed position and ask the server to answer with a keepalive,
	 * which carries how far it has sent, so an idle stream learns that it is caught up without
	 * waiting for the server's own keepalive. Unlike {@link #wake()} the reader keeps reading.
	 */
	void requestReply() {
		if (!this.writer.concurrent()) {
			return;
		}
		try {
			sendStatus(true);
		}
		catch (SQLException ex) {
			// the reader meets the same broken connection and reconnects
		}
	}

	/** No more status updates from other threads: the connection is closing. */
	void closeWriter() {
		this.writer.close();
	}

	/**
	 * Send a standby status update now, from any thread (see {@link StatusWriter}).
	 * @param replyRequested whether the server is to answer with a keepalive, which also wakes
	 * a reader blocked in a read
	 * @throws SQLException if the connection fails or the stream is closed
	 */
	void sendStatus(boolean replyRequested) throws SQLException {
		long now = System.currentTimeMillis() * 1000 - POSTGRES_EPOCH_MICROS;
		ByteBuffer status = ByteBuffer.allocate(34);
		long flushedNow = this.flushed;
		status.put((byte) 'r').putLong(this.received).putLong(flushedNow).putLong(this.applied).putLong(now)
			.put((byte) (replyRequested ? 1 : 0));
		this.writer.write(status.array());
		this.lastStatus = System.nanoTime();
		this.sentFlushed = flushedNow;
	}

	/** @return the last position received, as {@link #getLastReceiveLSN()} without allocating */
	long lastReceived() {
		return this.received;
	}

	@Override
	public LogSequenceNumber getLastReceiveLSN() {
		return LogSequenceNumber.valueOf(this.received);
	}

	@Override
	public LogSequenceNumber getLastFlushedLSN() {
		return LogSequenceNumber.valueOf(this.flushed);
	}

	@Override
	public LogSequenceNumber getLastAppliedLSN() {
		return LogSequenceNumber.valueOf(this.applied);
	}

	@Override
	public void setFlushedLSN(LogSequenceNumber lsn) {
		this.flushed = lsn.asLong();
	}

	@Override
	public void setAppliedLSN(LogSequenceNumber lsn) {
		this.applied = lsn.asLong();
	}

	@Override
	public void forceUpdateStatus() throws SQLException {
		checkOpen();
		sendStatus(true);
	}

	@Override
	public boolean isClosed() {
		return this.closed || !this.copy.isActive();
	}

	@Override
	public void close() throws SQLException {
		this.writer.close();
		if (!isClosed()) {
			this.copy.endCopy();
		}
		this.closed = true;
	}

	private void checkOpen() throws SQLException {
		if (isClosed()) {
			throw new SQLException("The replication stream is closed", "08003");
		}
	}

}
