package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import dev.pgcdc.test.TestDatabase;
import org.postgresql.replication.LogSequenceNumber;

/** WAL positions as the server reports them, for tests about what was acknowledged. */
final class WalPositions {

	private WalPositions() {
	}

	/** @return the server's WAL insert position now: every change committed before is behind it */
	static long insertPosition(TestDatabase database) throws SQLException {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
			row.next();
			return lsn(row.getString(1));
		}
	}

	/** @return the slot's confirmed position, {@code 0} when it has none or does not exist */
	static long confirmedFlush(TestDatabase database, String slot) throws SQLException {
		try (Connection connection = database.connect(); PreparedStatement statement = connection
			.prepareStatement("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet row = statement.executeQuery()) {
				return (row.next() && row.getString(1) != null) ? lsn(row.getString(1)) : 0;
			}
		}
	}

	/** @return a position as text ({@code 0/16B3748}) as a number */
	static long lsn(String text) {
		return LogSequenceNumber.valueOf(text).asLong();
	}

}
