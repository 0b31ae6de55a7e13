package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a stream in STANDBY waits for the durable slot another consumer holds: it asks
 * {@code pg_replication_slots} for the slot's {@code active_pid} every
 * {@link #INTERVAL_MILLIS} on one connection it keeps, and tries to take the slot over as soon
 * as it is free. The reconnect back-off (which grows to 30 s) would leave a standby waiting that
 * long after the holder died; trying {@code START_REPLICATION} itself that often would fork a
 * backend and log an error on the server each time. One catalog read of shared memory every half
 * second costs the server next to nothing.
 */
final class StandbyProbe implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(StandbyProbe.class);

	/** How often the slot is looked at while another consumer holds it. */
	static final long INTERVAL_MILLIS = 500;

	/** How long to wait at most before trying the slot itself anyway. */
	static final long MAX_WAIT_MILLIS = 60_000;

	private final ConnectionFactory connections;

	private final String slot;

	private @Nullable Connection connection;

	StandbyProbe(ConnectionFactory connections, String slot) {
		this.connections = connections;
		this.slot = slot;
	}

	/**
	 * Wait until the slot is free (or gone), the probe fails, {@link #MAX_WAIT_MILLIS} passed, or
	 * a stop is signalled.
	 * @param stopSignal counted down when the stream stops
	 * @return whether to try to take the slot over now ({@code false}: stopping)
	 * @throws InterruptedException if interrupted while waiting
	 */
	boolean awaitFree(CountDownLatch stopSignal) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_WAIT_MILLIS);
		while (System.nanoTime() < deadline) {
			if (stopSignal.await(INTERVAL_MILLIS, TimeUnit.MILLISECONDS)) {
				return false;
			}
			try {
				if (!held()) {
					return true;
				}
			}
			catch (SQLException ex) {
				// the server may be going away: the next attempt finds out and backs off
				logger.debug("Cannot look at slot {} while in standby", this.slot, ex);
				close();
				return true;
			}
		}
		return true;
	}

	/** @return whether a process holds the slot */
	private boolean held() throws SQLException {
		Connection current = this.connection;
		if (current == null) {
			current = this.connections.probe();
			this.connection = current;
		}
		try (PreparedStatement statement = current
			.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, this.slot);
			try (ResultSet row = statement.executeQuery()) {
				return row.next() && row.getObject(1) != null;
			}
		}
	}

	/** Close the kept connection (the slot was taken over, or the stream stops). */
	@Override
	public void close() {
		Connection current = this.connection;
		this.connection = null;
		ConnectionFactory.closeKept(current, "standby probe");
	}

}
