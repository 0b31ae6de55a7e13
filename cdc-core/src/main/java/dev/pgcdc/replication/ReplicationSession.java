package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.pgcdc.event.TableName;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyDual;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replication connection and the pgoutput stream started on it (a
 * {@link ReplicationCopyStream}). A temporary slot is created on this connection, so it
 * disappears with it.
 */
final class ReplicationSession implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(ReplicationSession.class);

	private final Connection connection;

	private final ReplicationCopyStream stream;

	private final int protocolVersion;

	private final boolean streaming;

	private final boolean binary;

	private final int backendPid;

	private ReplicationSession(Connection connection, ReplicationCopyStream stream, int protocolVersion,
			boolean streaming, boolean binary, int backendPid) {
		this.connection = connection;
		this.stream = stream;
		this.protocolVersion = protocolVersion;
		this.streaming = streaming;
		this.binary = binary;
		this.backendPid = backendPid;
	}

	/** @return whether values arrive in binary format on this session */
	boolean binary() {
		return this.binary;
	}

	/**
	 * Connect and start streaming.
	 * @param connections opens the connection
	 * @param slots the slot administration
	 * @param settings the stream settings
	 * @param server the server
	 * @param resumeFrom for a durable slot, where to resume ({@code 0/0}: the slot's confirmed position)
	 * @return the started session
	 * @throws SQLException if connecting or starting fails (SQLState 55006: the slot is in use)
	 */
	static ReplicationSession open(ConnectionFactory connections, SlotManager slots, StreamSettings settings,
			ServerInfo server, LogSequenceNumber resumeFrom, boolean binary, AckTracker ack) throws SQLException {
		Connection connection = connections.replication();
		try {
			LogSequenceNumber start = settings.durable() ? resumeFrom : slots.createTemporary(connection);
			int protocol = server.protocolVersion();
			Map<String, String> options = new LinkedHashMap<>();
			options.put("proto_version", Integer.toString(protocol));
			options.put("publication_names", TableName.quote(settings.publication()));
			if (server.supportsMessages()) {
				options.put("messages", "true");
			}
			if (binary) {
				options.put("binary", "true");
			}
			boolean streaming = settings.streaming() && server.supportsStreaming();
			if (streaming) {
				options.put("streaming", "true");
			}
			String command = ReplicationCopyStream.command(slots.name(), start, options);
			logger.debug("{}", command);
			CopyDual copy = connection.unwrap(PGConnection.class).getCopyAPI().copyDual(command);
			ReplicationCopyStream stream = ReplicationCopyStream.start(copy, StatusWriter.of(connection, copy), start,
					Math.max(1, settings.statusInterval().toMillis()), ack);
			logger.debug("Streaming slot {} from {} with pgoutput protocol {}, values in {} format", slots.name(),
					start.asString(), protocol, binary ? "binary" : "text");
			return new ReplicationSession(connection, stream, protocol, streaming, binary,
					connection.unwrap(PGConnection.class).getBackendPID());
		}
		catch (SQLException | RuntimeException ex) {
			closeQuietly(connection);
			throw ex;
		}
	}

	ReplicationCopyStream stream() {
		return this.stream;
	}

	/**
	 * Send the flushed position now, from any thread, unless a status update went out within
	 * the last {@link ReplicationCopyStream#PROMPT_INTERVAL_MILLIS}.
	 */
	void acknowledgePromptly() {
		this.stream.acknowledgePromptly();
	}

	/**
	 * From another thread: send the flushed position now and make a reader blocked in a read
	 * return, so that it notices a stop and closes the session itself.
	 * @return whether the reader will wake up (otherwise only closing the connection ends its read)
	 */
	boolean wake() {
		return this.stream.wake();
	}

	/** From any thread: ask the server for a keepalive carrying how far it has sent. */
	void requestReply() {
		this.stream.requestReply();
	}



	int protocolVersion() {
		return this.protocolVersion;
	}

	/** @return the process id of this session's walsender */
	int backendPid() {
		return this.backendPid;
	}

	/**
	 * Send the flushed position now. Only from the reader thread, and not while it is in a read.
	 * @param flushed the position up to which everything was handled
	 */
	void sendStatus(LogSequenceNumber flushed) {
		try {
			if (flushed.asLong() != 0) {
				this.stream.setFlushedLSN(flushed);
				this.stream.setAppliedLSN(flushed);
			}
			this.stream.forceUpdateStatus();
		}
		catch (SQLException | RuntimeException ex) {
			logger.debug("Cannot send the last status update", ex);
		}
	}

	/** @return whether the server streams in-progress transactions on this session */
	boolean streaming() {
		return this.streaming;
	}

	/**
	 * Close the connection from another thread, even while the reader is blocked in a read:
	 * the read then fails and the reader ends.
	 */
	void abort() {
		this.stream.closeWriter();
		try {
			this.connection.abort(Runnable::run);
		}
		catch (SQLException | RuntimeException ex) {
			logger.debug("Aborting the replication connection failed", ex);
		}
	}

	@Override
	public void close() {
		this.stream.closeWriter();
		closeQuietly(this.connection);
	}

	private static void closeQuietly(Connection connection) {
		try {
			connection.close();
		}
		catch (SQLException | RuntimeException ex) {
			logger.debug("Closing the replication connection failed", ex);
		}
	}

}
