package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.pgcdc.event.TableName;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replication slot administration: the durable slot (created if absent), temporary slots
 * (created on the replication connection itself, so they vanish with it), who holds a slot, and
 * the final acknowledgement of a durable slot after its connection closed. Names are derived by
 * {@link StreamNames}.
 */
final class SlotManager {

	private static final Logger logger = LoggerFactory.getLogger(SlotManager.class);

	private static final String PLUGIN = "pgoutput";

	private final String slot;

	SlotManager(String slot) {
		this.slot = slot;
	}

	/** @return the slot name */
	String name() {
		return this.slot;
	}

	/**
	 * Create the durable slot unless it exists.
	 * @param connection a plain connection
	 * @param beforeCreating run just before the slot is created (not when it exists)
	 * @throws SQLException if the server fails
	 */
	void ensureDurable(Connection connection, Runnable beforeCreating) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(
				"SELECT plugin, database = current_database() FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, this.slot);
			try (ResultSet row = statement.executeQuery()) {
				if (row.next()) {
					if (!PLUGIN.equals(row.getString(1)) || !row.getBoolean(2)) {
						throw new CdcConfigurationException("Replication slot " + this.slot + " exists but is not a"
								+ " pgoutput slot of this database (plugin " + row.getString(1) + "). Choose another slot"
								+ " name or drop it: SELECT pg_drop_replication_slot('" + this.slot + "');");
					}
					logger.debug("Durable slot {} exists", this.slot);
					return;
				}
			}
		}
		beforeCreating.run();
		try (PreparedStatement statement = connection.prepareStatement(
				"SELECT lsn FROM pg_create_logical_replication_slot(?, ?)")) {
			statement.setString(1, this.slot);
			statement.setString(2, PLUGIN);
			try (ResultSet row = statement.executeQuery()) {
				row.next();
				logger.info("Created durable replication slot {} at {}", this.slot, row.getString(1));
			}
		}
		catch (SQLException ex) {
			// 42710: created by another instance in the meantime
			if (!"42710".equals(ex.getSQLState())) {
				throw ex;
			}
		}
	}

	/**
	 * Create a temporary slot on a replication connection; it is dropped when the connection ends.
	 * @param replication the replication connection
	 * @return the position from which the slot's changes are consistent
	 * @throws SQLException if the server fails
	 */
	LogSequenceNumber createTemporary(Connection replication) throws SQLException {
		// not pgjdbc's createReplicationSlot(): it writes the name unquoted, and the walsender reads an
		// unquoted name as an SQL identifier, so a valid slot name such as 1abc is a syntax error
		String command = "CREATE_REPLICATION_SLOT " + quoted() + " TEMPORARY LOGICAL " + PLUGIN;
		try (Statement statement = replication.createStatement(); ResultSet row = statement.executeQuery(command)) {
			if (!row.next()) {
				throw new SQLException(command + " returned no row", "08P01");
			}
			LogSequenceNumber consistentPoint = LogSequenceNumber.valueOf(row.getString("consistent_point"));
			logger.debug("Created temporary replication slot {} at {}", this.slot, consistentPoint.asString());
			return consistentPoint;
		}
	}

	/**
	 * The slot name as replication commands must carry it: slot names may start with a digit,
	 * which the walsender's grammar accepts only in a quoted identifier.
	 * @return the slot name, double-quoted
	 */
	String quoted() {
		return TableName.quote(this.slot);
	}

	/**
	 * @param connection a plain connection
	 * @return the process holding the slot, or {@code null} when it is free
	 * @throws SQLException if the server fails
	 */
	@Nullable SlotHolder holder(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("""
				SELECT s.active_pid, host(a.client_addr), a.application_name
				FROM pg_replication_slots s LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid
				WHERE s.slot_name = ? AND s.active_pid IS NOT NULL""")) {
			statement.setString(1, this.slot);
			try (ResultSet row = statement.executeQuery()) {
				return row.next() ? new SlotHolder(row.getInt(1), row.getString(2), row.getString(3)) : null;
			}
		}
	}

	/**
	 * Move the durable slot's confirmed position to what was handled, once the stream's own
	 * walsender has let go of it. Used at stop, because the reader may be blocked in a read and
	 * cannot send a last status update.
	 * @param connection a plain connection
	 * @param flushed the position up to which every change was handled
	 * @param walsender the process id of the stream's own walsender
	 * @param timeout how long to wait for the slot to become free
	 * @param unit the unit of the timeout
	 * @throws SQLException if the server fails
	 */
	void confirm(Connection connection, LogSequenceNumber flushed, int walsender, long timeout, TimeUnit unit)
			throws SQLException {
		long deadline = System.nanoTime() + unit.toNanos(timeout);
		for (SlotHolder holder = holder(connection); holder != null; holder = holder(connection)) {
			if (holder.pid() != walsender) {
				logger.debug("Slot {} was taken over by {} before it could be confirmed", this.slot, holder);
				return;
			}
			if (System.nanoTime() > deadline) {
				logger.debug("Slot {} still active; its confirmed position stays where the server has it", this.slot);
				return;
			}
			// the walsender notices the closed connection within milliseconds
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
		}
		try (PreparedStatement statement = connection.prepareStatement("""
				SELECT pg_replication_slot_advance(slot_name, ?::pg_lsn) FROM pg_replication_slots
				WHERE slot_name = ? AND confirmed_flush_lsn < ?::pg_lsn""")) {
			statement.setString(1, flushed.asString());
			statement.setString(2, this.slot);
			statement.setString(3, flushed.asString());
			try (ResultSet row = statement.executeQuery()) {
				if (row.next()) {
					logger.debug("Confirmed slot {} up to {}", this.slot, flushed.asString());
				}
			}
		}
	}

}
