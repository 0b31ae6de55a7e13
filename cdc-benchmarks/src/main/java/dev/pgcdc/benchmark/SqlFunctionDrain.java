package dev.pgcdc.benchmark;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * A second floor: the server decodes the slot into pgoutput messages and counts them in SQL
 * ({@code pg_logical_slot_get_binary_changes}, protocol 1), so nothing crosses the network or
 * reaches a client; what is left is the logical decoding itself, in one backend.
 */
final class SqlFunctionDrain implements DrainEngine {

	@Override
	public String name() {
		return "sql_get_changes";
	}

	@Override
	public DrainResult drain(DrainTarget target) throws Exception {
		try (Connection connection = target.database().connect();
				PreparedStatement statement = connection.prepareStatement("SELECT count(*) FROM"
						+ " pg_logical_slot_get_binary_changes(?, NULL, NULL, 'proto_version', '1', 'publication_names', ?)")) {
			statement.setString(1, target.slot());
			statement.setString(2, target.publication());
			long started = System.nanoTime();
			try (ResultSet rows = statement.executeQuery()) {
				rows.next();
				long ended = System.nanoTime();
				long messages = rows.getLong(1);
				if (messages < target.events()) {
					throw new IllegalStateException(
							"The slot returned " + messages + " messages for " + target.events() + " inserts");
				}
				return new DrainResult(-1, started, -1, ended, -1, -1);
			}
		}
	}

}
