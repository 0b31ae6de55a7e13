package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last acknowledgement of a durable slot when a run ends. A status update sent just
 * before the replication connection closes can be lost (the connection is reset with the
 * server's unread data in flight), and a reader blocked in a read cannot send one at all; so
 * once the stream's own walsender has let go of the slot, its confirmed position is moved to
 * what was handled ({@code pg_replication_slot_advance}, which only moves the slot: no WAL,
 * no table is written). Every step is bounded by the deadline, so a stopping stream never
 * hangs on an unreachable server; a slot another consumer took over meanwhile is left alone.
 */
final class FinalAcknowledgement {

	private static final Logger logger = LoggerFactory.getLogger(FinalAcknowledgement.class);

	private FinalAcknowledgement() {
	}

	/**
	 * @param connections opens the bounded connection
	 * @param slots the slot administration
	 * @param flushed the position up to which every change was handled
	 * @param walsender the process id of the stream's last walsender
	 * @param deadline {@link System#nanoTime()} after which to give up
	 */
	static void send(ConnectionFactory connections, SlotManager slots, LogSequenceNumber flushed, int walsender,
			long deadline) {
		long left = deadline - System.nanoTime();
		if (left <= 0) {
			logger.debug("No time left to confirm slot {} up to {}", slots.name(), flushed.asString());
			return;
		}
		try (Connection connection = connections.bounded(Duration.ofNanos(left))) {
			slots.confirm(connection, flushed, walsender, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
		}
		catch (SQLException ex) {
			logger.debug("Cannot confirm slot {} up to {}; the server resends from its last confirmed position",
					slots.name(), flushed.asString(), ex);
		}
	}

}
