package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.TableResolver.ResolvedTable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the configured {@code REPLICA IDENTITY} to subscribed tables, altering a table only
 * when its identity differs, and refuses settings that would make the application's own
 * UPDATE and DELETE statements fail once the table is published. Deciding ({@link #plan}) is
 * apart from altering ({@link #apply}), so that every refusal comes before the first change.
 */
final class ReplicaIdentityManager {

	private static final Logger logger = LoggerFactory.getLogger(ReplicaIdentityManager.class);

	private static final String SQLSTATE_INSUFFICIENT_PRIVILEGE = "42501";

	private final Function<TableName, ReplicaIdentity> identities;

	/**
	 * @param identities the wanted identity of each table
	 */
	ReplicaIdentityManager(Function<TableName, ReplicaIdentity> identities) {
		this.identities = identities;
	}

	/**
	 * One {@code ALTER TABLE ... REPLICA IDENTITY} to run.
	 *
	 * @param table the table (or partition) as found in the catalog
	 * @param identity the identity to give it
	 */
	record Change(ResolvedTable table, ReplicaIdentity identity) {

		String sql() {
			return "ALTER TABLE " + this.table.name().quoted() + " REPLICA IDENTITY " + this.identity.name();
		}

	}

	/**
	 * Decide which tables need another replica identity, changing nothing.
	 * @param tables the tables as found in the catalog; the identity of a partitioned table's
	 * partitions follows its own, because the WAL carries the partitions' old rows
	 * @param user the user the stream runs as (for error messages)
	 * @return the changes to make, in order
	 * @throws CdcConfigurationException if an identity cannot be applied or would break writes
	 */
	List<Change> plan(Collection<ResolvedTable> tables, String user) {
		List<Change> changes = new ArrayList<>();
		for (ResolvedTable table : tables) {
			ReplicaIdentity wanted = this.identities.apply(table.name());
			for (ResolvedTable relation : table.withPartitions()) {
				Change change = plan(relation, wanted, user);
				if (change != null) {
					changes.add(change);
				}
			}
		}
		return changes;
	}

	/**
	 * @param connection a plain connection
	 * @param changes what {@link #plan} decided
	 * @param user the user the stream runs as (for error messages)
	 * @throws SQLException if the server fails
	 * @throws CdcConfigurationException if the server refuses a change for lack of privilege
	 */
	void apply(Connection connection, List<Change> changes, String user) throws SQLException {
		for (Change change : changes) {
			try (Statement statement = connection.createStatement()) {
				statement.execute(change.sql());
				logger.info("Set REPLICA IDENTITY {} on {}", change.identity(), change.table().name());
			}
			catch (SQLException ex) {
				if (SQLSTATE_INSUFFICIENT_PRIVILEGE.equals(ex.getSQLState())) {
					throw notOwned(change, user, ex);
				}
				throw ex;
			}
		}
	}

	private static @Nullable Change plan(ResolvedTable table, ReplicaIdentity wanted, String user) {
		char current = table.replicaIdentity();
		if (wanted == ReplicaIdentity.UNCHANGED) {
			if (current == 'n' || (current == 'd' && !table.hasPrimaryKey())) {
				throw new CdcConfigurationException("Table " + table.name() + " has no replica identity ("
						+ (current == 'n' ? "REPLICA IDENTITY NOTHING" : "no primary key") + ") and its replica identity"
						+ " is configured UNCHANGED: once published, UPDATE and DELETE on it would fail. Give it a"
						+ " primary key, or configure replica identity FULL for it.");
			}
			return null;
		}
		char code = (wanted == ReplicaIdentity.FULL) ? 'f' : 'd';
		if (wanted == ReplicaIdentity.DEFAULT && !table.hasPrimaryKey()) {
			throw new CdcConfigurationException("Table " + table.name() + " has no primary key, so REPLICA IDENTITY"
					+ " DEFAULT would make UPDATE and DELETE on it fail once it is published. Configure replica"
					+ " identity FULL for this table, or add a primary key.");
		}
		if (current == code) {
			logger.debug("Table {} already has REPLICA IDENTITY {}", table.name(), wanted);
			return null;
		}
		Change change = new Change(table, wanted);
		if (!table.owned()) {
			throw notOwned(change, user, null);
		}
		return change;
	}

	private static CdcConfigurationException notOwned(Change change, String user, @Nullable SQLException cause) {
		ResolvedTable table = change.table();
		String message = "Cannot set REPLICA IDENTITY " + change.identity() + " on " + table.name() + ": user '" + user
				+ "' does not own it (the owner is '" + table.owner() + "'). Run " + change.sql()
				+ "; as the owner, grant the owner role to " + TableName.quote(user)
				+ ", or configure replica identity UNCHANGED for this table.";
		return (cause != null) ? new CdcConfigurationException(message, cause) : new CdcConfigurationException(message);
	}

}
