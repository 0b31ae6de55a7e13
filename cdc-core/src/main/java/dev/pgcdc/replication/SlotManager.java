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

	/** Whether the existing durable slot's failover flag differs from the configured one. */
	private volatile boolean failoverPending;

	/** Run just before a durable slot is created (not when it exists): an initial snapshot is recorded then. */
	private final Runnable beforeCreating;

	/** Run instead just before the slot is created anew after the server invalidated it. */
	private final Runnable beforeRecreating;

	SlotManager(String slot) {
		this(slot, () -> {
		}, () -> {
		});
	}

	/**
	 * @param slot the slot name
	 * @param beforeCreating run just before a durable slot is created (not when it exists), so that
	 * a crash in between cannot lose what it records
	 * @param beforeRecreating run instead just before it is created anew after the server
	 * invalidated it
	 */
	SlotManager(String slot, Runnable beforeCreating, Runnable beforeRecreating) {
		this.slot = slot;
		this.beforeCreating = beforeCreating;
		this.beforeRecreating = beforeRecreating;
	}

	/** @return the slot name */
	String name() {
		return this.slot;
	}

	/**
	 * Create the durable slot unless it exists; an existing one that the server invalidated is
	 * dealt with as the policy says, and one whose failover flag differs is marked for
	 * {@link #alignFailover} (on a replication connection, once this stream holds the slot).
	 * @param connection a plain connection
	 * @param failover whether the slot is to be a failover slot
	 * @param policy what to do with an invalidated slot
	 * @throws SQLException if the server fails
	 * @throws SlotInvalidatedException if the slot was invalidated and the policy is to fail
	 */
	void ensureDurable(Connection connection, boolean failover, InvalidatedSlotPolicy policy) throws SQLException {
		DurableSlot existing = inspect(connection);
		if (existing != null) {
			if (!PLUGIN.equals(existing.plugin()) || !existing.sameDatabase()) {
				throw new CdcConfigurationException("Replication slot " + this.slot + " exists but is not a"
						+ " pgoutput slot of this database (plugin " + existing.plugin() + "). Choose another slot"
						+ " name or drop it: SELECT pg_drop_replication_slot('" + this.slot + "');");
			}
			if (existing.invalidated()) {
				recreate(connection, existing, failover, policy);
				return;
			}
			this.failoverPending = existing.failover() != failover;
			logger.debug("Durable slot {} exists", this.slot);
			return;
		}
		create(connection, failover, false);
	}

	/**
	 * After the server refused to stream from the durable slot: if it did so because it
	 * invalidated the slot, fail or recreate it as the policy says.
	 * @param connection a plain connection
	 * @param failover whether a new slot is to be a failover slot
	 * @param policy what to do with an invalidated slot
	 * @return whether the slot was invalidated and has been created anew
	 * @throws SQLException if the server fails
	 * @throws SlotInvalidatedException if the slot was invalidated and the policy is to fail
	 */
	boolean recreateIfInvalidated(Connection connection, boolean failover, InvalidatedSlotPolicy policy)
			throws SQLException {
		DurableSlot existing = inspect(connection);
		if (existing == null || !existing.invalidated()) {
			return false;
		}
		recreate(connection, existing, failover, policy);
		return true;
	}

	/**
	 * Give the durable slot the configured failover flag, when {@link #ensureDurable} found it
	 * differing ({@code ALTER_REPLICATION_SLOT}, PostgreSQL 17+). Needs the slot free: a slot
	 * held by another instance fails with SQLState 55006 (STANDBY), and the next attempt tries again.
	 * @param connections opens the replication connection
	 * @param failover the flag to set
	 * @throws SQLException if the server fails
	 */
	void alignFailover(ConnectionFactory connections, boolean failover) throws SQLException {
		if (!this.failoverPending) {
			return;
		}
		try (Connection replication = connections.replication(); Statement statement = replication.createStatement()) {
			statement.execute("ALTER_REPLICATION_SLOT " + quoted() + " ( FAILOVER " + failover + " )");
		}
		this.failoverPending = false;
		logger.info("Replication slot {} altered to FAILOVER {}, as cdc.slot.failover says", this.slot, failover);
	}

	/** @return where the new slot starts, {@code null} when another instance created it first */
	private @Nullable String create(Connection connection, boolean failover, boolean anew) throws SQLException {
		// pgjdbc's slot builder has no failover option; the SQL function has it from PostgreSQL 17
		String create = failover ? "SELECT lsn FROM pg_create_logical_replication_slot(?, ?, false, false, true)"
				: "SELECT lsn FROM pg_create_logical_replication_slot(?, ?)";
		(anew ? this.beforeRecreating : this.beforeCreating).run();
		try (PreparedStatement statement = connection.prepareStatement(create)) {
			statement.setString(1, this.slot);
			statement.setString(2, PLUGIN);
			try (ResultSet row = statement.executeQuery()) {
				row.next();
				logger.info("Created durable replication slot {} at {}{}", this.slot, row.getString(1),
						failover ? " (failover)" : "");
				return row.getString(1);
			}
		}
		catch (SQLException ex) {
			// 42710: created by another instance in the meantime
			if (!"42710".equals(ex.getSQLState())) {
				throw ex;
			}
			return null;
		}
	}

	private void recreate(Connection connection, DurableSlot invalidated, boolean failover,
			InvalidatedSlotPolicy policy) throws SQLException {
		if (policy != InvalidatedSlotPolicy.RECREATE) {
			throw new SlotInvalidatedException(this.slot, invalidated.reason(), invalidated.walStatus(),
					invalidated.confirmedFlush());
		}
		try (PreparedStatement statement = connection.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
			statement.setString(1, this.slot);
			statement.execute();
		}
		catch (SQLException ex) {
			// 42704: another instance dropped it first
			if (!"42704".equals(ex.getSQLState())) {
				throw ex;
			}
		}
		String start = create(connection, failover, true);
		this.failoverPending = false;
		recreated(invalidated, start);
	}

	/**
	 * The slot was created anew after the server invalidated the old one. This is where
	 * {@code cdc.snapshot.mode=when-needed} hooks in: a snapshot of the subscribed tables, consistent
	 * with the new slot's start, makes up for the changes that were lost.
	 */
	private void recreated(DurableSlot invalidated, @Nullable String start) {
		logger.warn("Replication slot {} was invalidated by the server ({}); dropped it and created it again, as"
				+ " cdc.slot.on-invalidated=recreate says: changes committed after {} and before {} were lost and are"
				+ " not delivered", this.slot, invalidated.reason(),
				(invalidated.confirmedFlush() != null) ? invalidated.confirmedFlush() : "its last confirmed position",
				(start != null) ? start : "the new slot's start");
	}

	/**
	 * The durable slot as the server describes it, read through {@code to_jsonb} so that one
	 * query serves every version: {@code wal_status} (13+), {@code conflicting} (16+),
	 * {@code invalidation_reason} and {@code failover} (17+) are simply absent before.
	 * @param connection a plain connection
	 * @return the slot, {@code null} when it does not exist
	 * @throws SQLException if the server fails
	 */
	@Nullable DurableSlot inspect(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("""
				SELECT s.plugin, s.database = current_database(), j->>'wal_status', j->>'invalidation_reason',
				       coalesce((j->>'conflicting')::boolean, false), coalesce((j->>'failover')::boolean, false),
				       s.confirmed_flush_lsn::text
				FROM pg_replication_slots s CROSS JOIN LATERAL to_jsonb(s) AS j WHERE s.slot_name = ?""")) {
			statement.setString(1, this.slot);
			try (ResultSet row = statement.executeQuery()) {
				if (!row.next()) {
					return null;
				}
				return new DurableSlot(row.getString(1), row.getBoolean(2), row.getString(3), row.getString(4),
						row.getBoolean(5), row.getBoolean(6), row.getString(7));
			}
		}
	}

	/**
	 * A durable slot as {@code pg_replication_slots} shows it.
	 *
	 * @param plugin its output plugin
	 * @param sameDatabase whether it belongs to the connection's database
	 * @param walStatus {@code reserved}, {@code extended}, {@code unreserved} or {@code lost}
	 * ({@code null} before PostgreSQL 13)
	 * @param invalidationReason why the server invalidated it (PostgreSQL 17+), {@code null} if it did not
	 * @param conflicting whether it was invalidated by a conflict with recovery (PostgreSQL 16+)
	 * @param failover whether it is a failover slot (PostgreSQL 17+)
	 * @param confirmedFlush its confirmed position
	 */
	record DurableSlot(@Nullable String plugin, boolean sameDatabase, @Nullable String walStatus,
			@Nullable String invalidationReason, boolean conflicting, boolean failover,
			@Nullable String confirmedFlush) {

		/** @return whether the server invalidated it: it can no longer stream */
		boolean invalidated() {
			return this.invalidationReason != null || this.conflicting || "lost".equals(this.walStatus);
		}

		/** @return the cause, as the server names it */
		String reason() {
			return SlotHealth.reason(this.walStatus, this.invalidationReason, this.conflicting);
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
