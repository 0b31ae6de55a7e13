package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.TableResolver.ResolvedTable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the stream's publication in step with its tables: in {@link PublicationMode#AUTO}
 * it is created when missing and its table list set to the subscribed tables; in
 * {@link PublicationMode#EXISTING} it is only checked. Deciding ({@link #plan}, with the
 * privilege checks) is apart from changing ({@link #apply}), so that every refusal comes
 * before the stream changes anything on the server.
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
	 * What {@link #plan} decided to do to the publication.
	 *
	 * @param statements the SQL to run, in order; empty when the publication is as wanted
	 * @param tables the tables the publication is to publish (planned again if another instance
	 * creates the publication first)
	 * @param summary what the statements achieve, for the log
	 */
	record Change(List<String> statements, Collection<ResolvedTable> tables, String summary) {

		static Change none(Collection<ResolvedTable> tables) {
			return new Change(List.of(), tables, "");
		}

	}

	/**
	 * Decide how to make the publication publish exactly these tables (AUTO), or check that it
	 * exists and publishes them (EXISTING), changing nothing.
	 * @param connection a plain connection
	 * @param tables the subscribed tables as found in the catalog
	 * @return what to change
	 * @throws SQLException if the server fails
	 * @throws CdcConfigurationException if the publication cannot be used or managed
	 */
	Change plan(Connection connection, Collection<ResolvedTable> tables) throws SQLException {
		Existing existing = existing(connection);
		Set<TableName> wanted = names(tables);
		if (this.mode == PublicationMode.EXISTING) {
			if (existing == null) {
				throw notExisting();
			}
			checkCovers(connection, existing.allTables(), wanted);
			return Change.none(tables);
		}
		if (existing == null) {
			checkMayCreate(connection, tables);
			return new Change(List.of(createStatement(connection, wanted)), tables,
					"Created publication " + this.name + " for " + wanted);
		}
		if (existing.allTables()) {
			logger.debug("Publication {} is FOR ALL TABLES; leaving it as it is", this.name);
			return Change.none(tables);
		}
		List<String> statements = new ArrayList<>();
		String summary = "Publication " + this.name + " now publishes changes of partitions as their root table's";
		if (supportsViaRoot(connection) && !viaRoot(connection)) {
			statements.add(alterStatement("SET (publish_via_partition_root = true)"));
		}
		Set<TableName> published = publishedTables(connection);
		if (!published.equals(wanted)) {
			statements.add(alterStatement(
					wanted.isEmpty() ? "DROP TABLE " + quoted(published) : "SET TABLE " + quoted(wanted)));
			checkOwned(tables.stream().filter((table) -> !published.contains(table.name())).toList());
			summary = "Publication " + this.name + " now publishes " + wanted + " (was " + published + ")";
		}
		else {
			logger.debug("Publication {} already publishes {}", this.name, wanted);
		}
		if (!statements.isEmpty() && !existing.owned()) {
			throw cannotManage(statements.get(0), "the stream's user does not own the publication");
		}
		return new Change(statements, tables, summary);
	}

	/**
	 * Run what {@link #plan} decided.
	 * @param connection a plain connection
	 * @param change the change
	 * @throws SQLException if the server fails
	 * @throws CdcConfigurationException if the server refuses it for lack of privilege
	 */
	void apply(Connection connection, Change change) throws SQLException {
		if (change.statements().isEmpty()) {
			return;
		}
		for (String sql : change.statements()) {
			try (Statement statement = connection.createStatement()) {
				statement.execute(sql);
			}
			catch (SQLException ex) {
				if (SQLSTATE_DUPLICATE_OBJECT.equals(ex.getSQLState()) && sql.startsWith("CREATE")) {
					// another instance created it a moment ago: bring it in step instead
					apply(connection, plan(connection, change.tables()));
					return;
				}
				throw explain(ex, sql);
			}
		}
		logger.info("{}", change.summary());
	}

	/**
	 * Add one table while streaming; pgoutput sends its changes from the next transaction on.
	 * @param connection a plain connection
	 * @param table the table as found in the catalog
	 * @return what to change
	 * @throws SQLException if the server fails
	 * @throws CdcConfigurationException if the publication cannot publish it
	 */
	Change planAdd(Connection connection, ResolvedTable table) throws SQLException {
		Existing existing = existing(connection);
		if (existing == null) {
			if (this.mode == PublicationMode.EXISTING) {
				throw notExisting();
			}
			return plan(connection, List.of(table));
		}
		if (existing.allTables() || publishedTables(connection).contains(table.name())) {
			return Change.none(List.of(table));
		}
		if (this.mode == PublicationMode.EXISTING) {
			checkCovers(connection, existing.allTables(), Set.of(table.name()));
		}
		String sql = alterStatement("ADD TABLE " + table.name().quoted());
		if (!existing.owned()) {
			throw cannotManage(sql, "the stream's user does not own the publication");
		}
		checkOwned(List.of(table));
		return new Change(List.of(sql), List.of(table),
				"Publication " + this.name + " now also publishes " + table.name());
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
		apply(connection, new Change(List.of(alterStatement("DROP TABLE " + table.quoted())), List.of(),
				"Publication " + this.name + " no longer publishes " + table));
	}

	/**
	 * The publication as it is.
	 *
	 * @param allTables whether it is {@code FOR ALL TABLES}
	 * @param owned whether the stream's user has its owner's privileges (may alter it)
	 */
	private record Existing(boolean allTables, boolean owned) {
	}

	/** @return {@code null} when the publication does not exist */
	private @Nullable Existing existing(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(
				"SELECT puballtables, pg_has_role(pubowner, 'USAGE') FROM pg_publication WHERE pubname = ?")) {
			statement.setString(1, this.name);
			try (ResultSet row = statement.executeQuery()) {
				return row.next() ? new Existing(row.getBoolean(1), row.getBoolean(2)) : null;
			}
		}
	}

	private void checkMayCreate(Connection connection, Collection<ResolvedTable> tables) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT has_database_privilege(current_database(), 'CREATE')")) {
			if (row.next() && !row.getBoolean(1)) {
				throw cannotManage("CREATE PUBLICATION " + TableName.quote(this.name),
						"the stream's user lacks the CREATE privilege on the database");
			}
		}
		checkOwned(tables);
	}

	/** Adding a table to a publication takes its owner's privileges. */
	private void checkOwned(Collection<ResolvedTable> added) {
		for (ResolvedTable table : added) {
			if (!table.owned()) {
				throw cannotManage(alterStatement("ADD TABLE " + table.name().quoted()), "the stream's user does not own"
						+ " table " + table.name() + " (the owner is '" + table.owner() + "')");
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

	private void checkCovers(Connection connection, boolean allTables, Set<TableName> wanted) throws SQLException {
		if (allTables) {
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

	private String createStatement(Connection connection, Set<TableName> tables) throws SQLException {
		// changes to partitions are published as changes of the partitioned table users subscribed to
		return "CREATE PUBLICATION " + TableName.quote(this.name)
				+ (tables.isEmpty() ? "" : " FOR TABLE " + quoted(tables))
				+ (supportsViaRoot(connection) ? " WITH (publish_via_partition_root = true)" : "");
	}

	private String alterStatement(String change) {
		return "ALTER PUBLICATION " + TableName.quote(this.name) + " " + change;
	}

	private SQLException explain(SQLException ex, String sql) {
		if (SQLSTATE_INSUFFICIENT_PRIVILEGE.equals(ex.getSQLState())) {
			throw cannotManage(sql, ex.getMessage(), ex);
		}
		return ex;
	}

	private CdcConfigurationException cannotManage(String sql, @Nullable String reason) {
		return cannotManage(sql, reason, null);
	}

	private CdcConfigurationException cannotManage(String sql, @Nullable String reason, @Nullable Throwable cause) {
		return new CdcConfigurationException("Cannot manage publication " + this.name + " (" + sql + "): " + reason
				+ ". Creating a publication needs the CREATE privilege on the database and ownership of each"
				+ " published table (altering it also ownership of the publication). Grant those, create the"
				+ " publication as its owner and use publication mode EXISTING, or run as the tables' owner.", cause);
	}

	private static Set<TableName> names(Collection<ResolvedTable> tables) {
		Set<TableName> names = new TreeSet<>();
		tables.forEach((table) -> names.add(table.name()));
		return names;
	}

	private static String quoted(Collection<TableName> tables) {
		return tables.stream().map(TableName::quoted).collect(Collectors.joining(", "));
	}

}
