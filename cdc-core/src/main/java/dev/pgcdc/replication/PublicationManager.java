package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.pgcdc.event.TableName;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the stream's publication in step with its tables: in {@link PublicationMode#AUTO}
 * it is created when missing and its table list set to the subscribed tables; in
 * {@link PublicationMode#EXISTING} it is only checked.
 */
final class PublicationManager {

	private static final Logger logger = LoggerFactory.getLogger(PublicationManager.class);

	private static final String SQLSTATE_DUPLICATE_OBJECT = "42710";

	private static final String SQLSTATE_INSUFFICIENT_PRIVILEGE = "42501";

	private final String name;

	private final PublicationMode mode;

	PublicationManager(String name, PublicationMode mode) {
		this.name = name;
		this.mode = mode;
	}

	/**
	 * Make the publication publish exactly these tables (AUTO) or check that it exists and
	 * publishes them (EXISTING).
	 * @param connection a plain connection
	 * @param tables the subscribed tables
	 * @throws SQLException if the server fails
	 * @throws CdcConfigurationException if the publication cannot be used
	 */
	void synchronize(Connection connection, Collection<TableName> tables) throws SQLException {
		Boolean allTables = allTables(connection);
		Set<TableName> wanted = new TreeSet<>(tables);
		if (this.mode == PublicationMode.EXISTING) {
			if (allTables == null) {
				throw notExisting();
			}
			checkCovers(connection, allTables, wanted);
			return;
		}
		if (allTables == null) {
			create(connection, wanted);
			return;
		}
		if (allTables) {
			logger.debug("Publication {} is FOR ALL TABLES; leaving it as it is", this.name);
			return;
		}
		if (supportsViaRoot(connection) && !viaRoot(connection)) {
			alter(connection, "SET (publish_via_partition_root = true)");
		}
		Set<TableName> published = publishedTables(connection);
		if (published.equals(wanted)) {
			logger.debug("Publication {} already publishes {}", this.name, wanted);
			return;
		}
		if (wanted.isEmpty()) {
			alter(connection, "DROP TABLE " + quoted(published));
		}
		else {
			alter(connection, "SET TABLE " + quoted(wanted));
		}
		logger.info("Publication {} now publishes {} (was {})", this.name, wanted, published);
	}

	/**
	 * Add one table while streaming; pgoutput sends its changes from the next transaction on.
	 * @param connection a plain connection
	 * @param table the table
	 * @throws SQLException if the server fails
	 */
	void add(Connection connection, TableName table) throws SQLException {
		Boolean allTables = allTables(connection);
		if (allTables == null) {
			if (this.mode == PublicationMode.EXISTING) {
				throw notExisting();
			}
			create(connection, Set.of(table));
			return;
		}
		if (allTables || publishedTables(connection).contains(table)) {
			return;
		}
		if (this.mode == PublicationMode.EXISTING) {
			checkCovers(connection, allTables, Set.of(table));
		}
		alter(connection, "ADD TABLE " + table.quoted());
		logger.info("Publication {} now also publishes {}", this.name, table);
	}

	/**
	 * Remove one table while streaming.
	 * @param connection a plain connection
	 * @param table the table
	 * @throws SQLException if the server fails
	 */
	void remove(Connection connection, TableName table) throws SQLException {
		if (this.mode == PublicationMode.EXISTING || !publishedTables(connection).contains(table)) {
			return;
		}
		alter(connection, "DROP TABLE " + table.quoted());
		logger.info("Publication {} no longer publishes {}", this.name, table);
	}

	/** @return {@code null} when the publication does not exist, else whether it is FOR ALL TABLES */
	private @Nullable Boolean allTables(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(
				"SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
			statement.setString(1, this.name);
			try (ResultSet row = statement.executeQuery()) {
				return row.next() ? row.getBoolean(1) : null;
			}
		}
	}

	private static boolean supportsViaRoot(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT current_setting('server_version_num')::int >= 130000")) {
			return row.next() && row.getBoolean(1);
		}
	}

	private boolean viaRoot(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(
				"SELECT pubviaroot FROM pg_publication WHERE pubname = ?")) {
			statement.setString(1, this.name);
			try (ResultSet row = statement.executeQuery()) {
				return row.next() && row.getBoolean(1);
			}
		}
	}

	private Set<TableName> publishedTables(Connection connection) throws SQLException {
		Set<TableName> tables = new TreeSet<>();
		try (PreparedStatement statement = connection.prepareStatement(
				"SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")) {
			statement.setString(1, this.name);
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					tables.add(new TableName(rows.getString(1), rows.getString(2)));
				}
			}
		}
		return tables;
	}

	private void checkCovers(Connection connection, @Nullable Boolean allTables, Set<TableName> wanted) throws SQLException {
		if (Boolean.TRUE.equals(allTables)) {
			return;
		}
		Set<TableName> missing = new TreeSet<>(wanted);
		missing.removeAll(publishedTables(connection));
		if (!missing.isEmpty()) {
			throw new CdcConfigurationException("Publication " + this.name + " does not publish " + missing
					+ " and the publication mode is EXISTING, so the stream does not change it. Run ALTER PUBLICATION "
					+ TableName.quote(this.name) + " ADD TABLE " + quoted(missing)
					+ "; or use publication mode AUTO.");
		}
	}

	private CdcConfigurationException notExisting() {
		return new CdcConfigurationException("Publication " + this.name + " does not exist and the publication"
				+ " mode is EXISTING. Create it (CREATE PUBLICATION " + TableName.quote(this.name)
				+ " FOR TABLE ...;) or use publication mode AUTO to let the stream create it.");
	}

	private void create(Connection connection, Set<TableName> tables) throws SQLException {
		// changes to partitions are published as changes of the partitioned table users subscribed to
		String sql = "CREATE PUBLICATION " + TableName.quote(this.name)
				+ (tables.isEmpty() ? "" : " FOR TABLE " + quoted(tables))
				+ (supportsViaRoot(connection) ? " WITH (publish_via_partition_root = true)" : "");
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
			logger.info("Created publication {} for {}", this.name, tables);
		}
		catch (SQLException ex) {
			if (SQLSTATE_DUPLICATE_OBJECT.equals(ex.getSQLState())) {
				// another instance created it a moment ago: bring it in step instead
				synchronize(connection, tables);
				return;
			}
			throw explain(ex, sql);
		}
	}

	private void alter(Connection connection, String change) throws SQLException {
		String sql = "ALTER PUBLICATION " + TableName.quote(this.name) + " " + change;
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw explain(ex, sql);
		}
	}

	private SQLException explain(SQLException ex, String sql) {
		if (SQLSTATE_INSUFFICIENT_PRIVILEGE.equals(ex.getSQLState())) {
			throw new CdcConfigurationException("Cannot manage publication " + this.name + " (" + sql + "): "
					+ ex.getMessage() + ". Creating a publication needs the CREATE privilege on the database and"
					+ " ownership of each published table (altering it also ownership of the publication). Grant"
					+ " those, create the publication as its owner and use publication mode EXISTING, or run as the"
					+ " tables' owner.", ex);
		}
		return ex;
	}

	private static String quoted(Collection<TableName> tables) {
		return tables.stream().map(TableName::quoted).collect(Collectors.joining(", "));
	}

}
