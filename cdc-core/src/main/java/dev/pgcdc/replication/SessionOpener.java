package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.function.Supplier;

import dev.pgcdc.event.TableName;
import dev.pgcdc.offsets.OffsetStore;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the sessions of one run: prepares the server once (checks, tables, publication,
 * replica identity, durable slot), then starts a {@link ReplicationSession} from the flushed
 * position, asking for binary values while every column allows them. A durable slot held by
 * another consumer is STANDBY, not an error.
 */
final class SessionOpener {

	private static final Logger logger = LoggerFactory.getLogger(SessionOpener.class);

	/** What the server answers when asked to stream from a slot it invalidated. */
	private static final String OBJECT_NOT_IN_PREREQUISITE_STATE = "55000";

	private final StreamSettings settings;

	private final Supplier<Collection<TableName>> tables;

	private final ConnectionFactory connections;

	private final StartupSequence startup;

	private final SlotManager slots;

	private final TypeRegistry types;

	private final StreamStatistics statistics;

	private final StateTracker.RunState state;

	private volatile @Nullable ServerInfo server;

	private volatile boolean binaryRefused;

	private boolean resumedFromStore;

	SessionOpener(StreamSettings settings, Supplier<Collection<TableName>> tables, ConnectionFactory connections,
			StartupSequence startup, SlotManager slots, TypeRegistry types, StreamStatistics statistics,
			StateTracker.RunState state) {
		this.settings = settings;
		this.tables = tables;
		this.connections = connections;
		this.startup = startup;
		this.slots = slots;
		this.types = types;
		this.statistics = statistics;
		this.state = state;
	}

	/** @return what was learned about the server, once prepared */
	@Nullable ServerInfo server() {
		return this.server;
	}

	/** Ask for text values from the next session on: a column without a binary decoder appeared. */
	void refuseBinary() {
		this.binaryRefused = true;
	}

	/**
	 * Prepare (when not yet done) and open a session.
	 * @param ack decides the flushed position, where a durable slot resumes
	 * @return the session, or {@code null} when the slot is busy (STANDBY)
	 * @throws SQLException if the server cannot be reached or refuses
	 */
	@Nullable ReplicationSession open(AckTracker ack) throws SQLException {
		ServerInfo info = this.server;
		if (info == null) {
			info = this.startup.prepare(this.tables.get());
			this.statistics.serverVersion(info.version());
			this.server = info;
		}
		resumeFromStoredPosition(ack);
		try {
			if (this.settings.durable()) {
				this.slots.alignFailover(this.connections, this.settings.failover());
			}
			ReplicationSession session = ReplicationSession.open(this.connections, this.slots, this.settings, info,
					ack.flushed(), binary(info), ack);
			if (!this.settings.durable()) {
				newTemporarySlot(session);
			}
			return session;
		}
		catch (SQLException ex) {
			if (SqlErrors.isSlotInUse(ex) && this.settings.durable()) {
				standby(ex);
				return null;
			}
			if (this.settings.durable() && OBJECT_NOT_IN_PREREQUISITE_STATE.equals(ex.getSQLState())
					&& recreatedAfterInvalidation()) {
				// the new slot starts where the server is now; an older start position is moved up to it
				return ReplicationSession.open(this.connections, this.slots, this.settings, info, ack.flushed(),
						binary(info), ack);
			}
			throw ex;
		}
	}

	private void newTemporarySlot(ReplicationSession session) {
		try {
			this.settings.listeners().forEach((listener) -> listener.newSlot(false));
		}
		catch (RuntimeException ex) {
			session.close();
			throw ex;
		}
	}

	/**
	 * The server refuses to stream from a slot it invalidated ("can no longer get changes from
	 * replication slot"); the slot itself says whether that is why.
	 * @return whether the slot was invalidated and created anew
	 * @throws SlotInvalidatedException if it was invalidated and the policy is to fail
	 */
	private boolean recreatedAfterInvalidation() throws SQLException {
		try (Connection connection = this.connections.admin()) {
			return this.slots.recreateIfInvalidated(connection, this.settings.failover(), this.settings.onInvalidated());
		}
	}

	/**
	 * With an offset store, start from its position when that is ahead of what the stream knows
	 * (the slot's confirmed position can lag: a lost acknowledgement, PostgreSQL 15 reverting it
	 * after an immediate restart); the slot is acknowledged up to it with the first status update.
	 */
	private void resumeFromStoredPosition(AckTracker ack) throws SQLException {
		OffsetStore store = this.settings.offsetStore();
		if (store == null) {
			return;
		}
		LogSequenceNumber stored = store.load(this.settings.slot());
		if (stored.asLong() > ack.flushed().asLong()) {
			if (!this.resumedFromStore) {
				logger.info("Change stream on slot {} resumes from the position stored by {}: {}", this.settings.slot(),
						store, stored.asString());
				this.resumedFromStore = true;
			}
			ack.resumeFrom(stored);
		}
	}

	private boolean binary(ServerInfo info) throws SQLException {
		if (!this.settings.binary() || this.binaryRefused || !info.supportsBinary()) {
			return false;
		}
		try (Connection connection = this.connections.admin()) {
			return BinaryFormat.usable(connection, this.settings.publication(), this.types);
		}
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

}
