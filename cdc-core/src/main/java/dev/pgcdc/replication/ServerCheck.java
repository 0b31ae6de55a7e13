package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import dev.pgcdc.event.TableName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks that the server can serve logical replication to this user before anything is
 * created: {@code wal_level}, version, the REPLICATION privilege and free slots and walsenders.
 * Every problem is one {@link CdcConfigurationException} that says what to run.
 */
final class ServerCheck {

	private static final Logger logger = LoggerFactory.getLogger(ServerCheck.class);

	/** The oldest server with {@code pgoutput} and publications. */
	static final int MINIMUM_VERSION = 100000;

	private static final String QUERY = """
			SELECT current_setting('wal_level'), current_setting('server_version_num')::int,
			       current_setting('server_version'), current_database(), current_user,
			       r.rolsuper, r.rolreplication,
			       EXISTS (SELECT 1 FROM pg_roles m WHERE m.rolname = 'rds_replication'
			               AND pg_has_role(current_user, m.oid, 'MEMBER')),
			       current_setting('max_replication_slots')::int,
			       (SELECT count(*) FROM pg_replication_slots),
			       current_setting('max_wal_senders')::int,
			       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'),
			       EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)
			FROM pg_roles r WHERE r.rolname = current_user""";

	private ServerCheck() {
	}

	/**
	 * @param connection a plain connection to the database
	 * @param slot the slot the stream will use
	 * @param durable whether it is permanent (an existing one needs no free slot)
	 * @return what was learned about the server
	 * @throws SQLException if the catalog cannot be read
	 * @throws CdcConfigurationException if the server cannot serve the stream
	 */
	static ServerInfo check(Connection connection, String slot, boolean durable) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(QUERY)) {
			statement.setString(1, slot);
			try (ResultSet row = statement.executeQuery()) {
				if (!row.next()) {
					throw new CdcConfigurationException("The current user is not in pg_roles; cannot check its privileges");
				}
				String walLevel = row.getString(1);
				ServerInfo info = new ServerInfo(row.getString(3).split(" ")[0], row.getInt(2), row.getString(4),
						row.getString(5));
				checkWalLevel(walLevel);
				checkVersion(info);
				checkPrivilege(info.user(), row.getBoolean(6), row.getBoolean(7), row.getBoolean(8));
				boolean slotExists = row.getBoolean(13);
				if (!(durable && slotExists)) {
					checkFree("replication slots", "max_replication_slots", row.getInt(9), row.getLong(10));
				}
				checkFree("walsender processes", "max_wal_senders", row.getInt(11), row.getLong(12));
				logger.debug("PostgreSQL {}, database {}, user {}: ready for logical replication", info.version(),
						info.database(), info.user());
				return info;
			}
		}
	}

	private static void checkWalLevel(String walLevel) {
		if (!"logical".equals(walLevel)) {
			throw new CdcConfigurationException("The server runs with wal_level = " + walLevel
					+ ", but change data capture needs wal_level = logical. Run ALTER SYSTEM SET wal_level = logical;"
					+ " and restart PostgreSQL (on Amazon RDS/Aurora set the parameter rds.logical_replication = 1,"
					+ " on Google Cloud SQL the flag cloudsql.logical_decoding = on, then restart the instance).");
		}
	}

	private static void checkVersion(ServerInfo info) {
		if (info.versionNumber() < MINIMUM_VERSION) {
			throw new CdcConfigurationException("PostgreSQL " + info.version()
					+ " is too old: logical replication with pgoutput needs PostgreSQL 10 or newer (14+ recommended).");
		}
	}

	private static void checkPrivilege(String user, boolean superuser, boolean replication, boolean rdsReplication) {
		if (!superuser && !replication && !rdsReplication) {
			throw new CdcConfigurationException("User '" + user + "' may not stream changes: it is neither a superuser"
					+ " nor has the REPLICATION attribute. As a superuser run: ALTER ROLE " + TableName.quote(user)
					+ " REPLICATION; (on Amazon RDS: GRANT rds_replication TO " + TableName.quote(user) + ";)");
		}
	}

	private static void checkFree(String what, String setting, int maximum, long used) {
		if (used >= maximum) {
			throw new CdcConfigurationException("All " + maximum + " " + what + " of the server are in use (" + setting
					+ " = " + maximum + "). Drop unused replication slots (SELECT slot_name, active FROM"
					+ " pg_replication_slots) or raise " + setting + " (ALTER SYSTEM SET " + setting
					+ " = ...; then restart PostgreSQL).");
		}
	}

}
