package dev.pgcdc.replication;

import java.io.IOException;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;

import org.jspecify.annotations.Nullable;
import org.postgresql.copy.CopyDual;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.PGStream;
import org.postgresql.core.QueryExecutorBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes standby status updates (CopyData messages) onto a replication connection from any
 * thread, even while the reader is blocked in a read.
 * <p>
 * pgjdbc serializes every copy operation, reads included, on one lock, so while the reader
 * waits for the server nobody can send through the {@link CopyDual}: a stopping stream could
 * not send its last acknowledgement, nor wake the reader, without writing something to the
 * database for the server to send back. A connection's input and output are independent, so
 * this writer frames the message itself, exactly as {@code CopyDual.writeToCopy} does, onto the
 * driver's stream, under a lock of its own through which every status update of the session
 * goes. Where the driver's stream cannot be reached (another driver version), it falls back to
 * the {@code CopyDual}, which then waits for the reader's read to return.
 */
final class StatusWriter {

	private static final Logger logger = LoggerFactory.getLogger(StatusWriter.class);

	private static final @Nullable Field PG_STREAM = pgStreamField();

	private final CopyDual copy;

	private final @Nullable PGStream stream;

	private boolean closed;

	private StatusWriter(CopyDual copy, @Nullable PGStream stream) {
		this.copy = copy;
		this.stream = stream;
	}

	/**
	 * @param connection the replication connection
	 * @param copy the copy started on it
	 * @return a writer for status updates of that copy
	 */
	static StatusWriter of(Connection connection, CopyDual copy) {
		PGStream stream = null;
		if (PG_STREAM != null) {
			try {
				stream = (PGStream) PG_STREAM.get(connection.unwrap(BaseConnection.class).getQueryExecutor());
			}
			catch (SQLException | ReflectiveOperationException | RuntimeException ex) {
				logger.debug("Status updates go through the copy API: cannot reach the driver's stream", ex);
			}
		}
		return new StatusWriter(copy, stream);
	}

	private static @Nullable Field pgStreamField() {
		try {
			Field field = QueryExecutorBase.class.getDeclaredField("pgStream");
			field.setAccessible(true);
			return field;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			LoggerFactory.getLogger(StatusWriter.class)
				.debug("Status updates go through the copy API: cannot reach the driver's stream", ex);
			return null;
		}
	}

	/** @return whether updates can be sent while the reader is blocked in a read */
	boolean concurrent() {
		return this.stream != null;
	}

	/**
	 * @param message the CopyData payload (a standby status update)
	 * @throws SQLException if the connection fails or was closed
	 */
	synchronized void write(byte[] message) throws SQLException {
		if (this.closed) {
			throw new SQLException("The replication stream is closed", "08003");
		}
		PGStream target = this.stream;
		if (target == null) {
			this.copy.writeToCopy(message, 0, message.length);
			this.copy.flushCopy();
			return;
		}
		try {
			target.sendChar('d');
			target.sendInteger4(message.length + 4);
			target.send(message);
			target.flush();
		}
		catch (IOException ex) {
			throw new SQLException("Cannot send a status update: " + ex.getMessage(), "08006", ex);
		}
	}

	/** No more writes: the driver is about to end the copy or close the connection. */
	synchronized void close() {
		this.closed = true;
	}

}
