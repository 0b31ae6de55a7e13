package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Function;

import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.TableResolver.ResolvedTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the configured {@code REPLICA IDENTITY} to subscribed tables, altering a table only
 * when its identity differs, and refuses settings that would make the application's own
 * UPDATE and DELETE statements fail once the table is published.
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
	 * @param connection a plain connection
	 * @param table the table as found in the catalog
	 * @param user the user the stream runs as (for error messages)
	 * @throws SQLException if the server fails
	 * @throws CdcConfigurationException if the identity cannot be applied or would break writes
	 */
	void apply(Connection connection, ResolvedTable table, String user) throws SQLException {
		ReplicaIdentity wanted = this.identities.apply(table.name());
		apply(connection, table, wanted, user);
		if (table.partitioned()) {
			// the WAL carries the partitions' old rows, so their identity is the one that counts
			for (ResolvedTable partition : TableResolver.partitions(connection, table.name())) {
				apply(connection, partition, wanted, user);
			}
		}
	}

	private void apply(Connection connection, ResolvedTable table, ReplicaIdentity wanted, String user)
			throws SQLException {
		char current = table.replicaIdentity();
		if (wanted == ReplicaIdentity.UNCHANGED) {
			if (current == 'n' || (current == 'd' && !table.hasPrimaryKey())) {
				throw new CdcConfigurationException("Table " + table.name() + " has no replica identity ("
						+ (current == 'n' ? "REPLICA IDENTITY NOTHING" : "no primary key") + ") and its replica identity"
						+ " is configured UNCHANGED: once published, UPDATE and DELETE on it would fail. Give it a"
						+ " primary key, or configure replica identity FULL for it.");
			}
			return;
		}
		char code = (wanted == ReplicaIdentity.FULL) ? 'f' : 'd';
		if (wanted == ReplicaIdentity.DEFAULT && !table.hasPrimaryKey()) {
			throw new CdcConfigurationException("Table " + table.name() + " has no primary key, so REPLICA IDENTITY"
					+ " DEFAULT would make UPDATE and DELETE on it fail once it is published. Configure replica"
					+ " identity FULL for this table, or add a primary key.");
		}
		if (current == code) {
			logger.debug("Table {} already has REPLICA IDENTITY {}", table.name(), wanted);
			return;
		}
		String sql = "ALTER TABLE " + table.name().quoted() + " REPLICA IDENTITY " + wanted.name();
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
			logger.info("Set REPLICA IDENTITY {} on {}", wanted, table.name());
		}
		catch (SQLException ex) {
			if (SQLSTATE_INSUFFICIENT_PRIVILEGE.equals(ex.getSQLState())) {
				throw new CdcConfigurationException("Cannot set REPLICA IDENTITY " + wanted + " on " + table.name()
						+ ": user '" + user + "' does not own it (the owner is '" + table.owner() + "'). Run " + sql
						+ "; as the owner, grant the owner role to " + TableName.quote(user)
						+ ", or configure replica identity UNCHANGED for this table.", ex);
			}
			throw ex;
		}
	}

}
