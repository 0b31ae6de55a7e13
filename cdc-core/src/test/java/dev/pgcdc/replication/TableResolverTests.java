package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tables that exist but cannot be published are refused by name, with the fix, before the
 * stream changes anything on the server: no replica identity set, no publication created.
 */
class TableResolverTests {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("resolver");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void unloggedTableFailsStartBeforeAnyChange() throws SQLException {
		database.execute("CREATE TABLE logged_one (id int PRIMARY KEY)", "CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY)");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> stream(database, "unlogged_pub").tables("logged_one", "scratch")
				.handler(new Recorder())
				.start())
			.withMessageContaining("public.scratch")
			.withMessageContaining("unlogged")
			.withMessageContaining("ALTER TABLE \"public\".\"scratch\" SET LOGGED");
		assertThat(relreplident("logged_one")).as("replica identity left as it was").isEqualTo("d");
		assertThat(relreplident("scratch")).isEqualTo("d");
		assertThat(publicationExists("unlogged_pub")).isFalse();
	}

	@Test
	void existingPublicationIsNotAlteredWhenATableIsRefused() throws SQLException {
		database.execute("CREATE TABLE kept_one (id int PRIMARY KEY)", "CREATE UNLOGGED TABLE kept_scratch (id int)",
				"CREATE PUBLICATION kept_one_pub FOR TABLE kept_one");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> stream(database, "kept_one_pub").tables("kept_scratch").handler(new Recorder()).start())
			.withMessageContaining("public.kept_scratch");
		assertThat(relreplident("kept_one")).isEqualTo("d");
		assertThat(published("kept_one_pub")).isEqualTo("public.kept_one");
	}

	@Test
	void temporaryTableIsRefused() throws SQLException {
		try (Connection session = database.connect(); Statement statement = session.createStatement()) {
			statement.execute("CREATE TEMPORARY TABLE notes (id int PRIMARY KEY)");
			String schema;
			try (ResultSet row = statement.executeQuery("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()")) {
				row.next();
				schema = row.getString(1);
			}
			assertThatExceptionOfType(CdcConfigurationException.class)
				.isThrownBy(() -> stream(database, "temporary_pub").tables(schema + ".notes")
					.handler(new Recorder())
					.start())
				.withMessageContaining(schema + ".notes")
				.withMessageContaining("temporary");
		}
		assertThat(publicationExists("temporary_pub")).isFalse();
	}

	@Test
	void unloggedPartitionIsRefusedWithItsTable() throws SQLException {
		database.execute("CREATE TABLE parted (id int PRIMARY KEY) PARTITION BY RANGE (id)",
				"CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (100)",
				"CREATE UNLOGGED TABLE parted_high PARTITION OF parted FOR VALUES FROM (100) TO (200)");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> stream(database, "parted_pub").tables("parted").handler(new Recorder()).start())
			.withMessageContaining("public.parted_high")
			.withMessageContaining("partition of public.parted")
			.withMessageContaining("SET LOGGED");
		assertThat(relreplident("parted")).isEqualTo("d");
		assertThat(relreplident("parted_low")).isEqualTo("d");
		assertThat(publicationExists("parted_pub")).isFalse();
	}

	@Test
	void systemTableIsRefused() throws SQLException {
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> stream(database, "system_pub").tables("pg_catalog.pg_class").handler(new Recorder())
				.start())
			.withMessageContaining("pg_catalog.pg_class")
			.withMessageContaining("system table");
		assertThat(publicationExists("system_pub")).isFalse();
	}

	@Test
	void unloggedTableAddedWhileStreamingIsAConfigurationError() throws SQLException {
		database.execute("CREATE TABLE streamed (id int PRIMARY KEY)", "CREATE UNLOGGED TABLE cache_rows (id int PRIMARY KEY)");
		try (ChangeStream stream = stream(database, "runtime_pub").tables("streamed").handler(new Recorder()).start()) {
			CdcSubscriptions subscriptions = new CdcSubscriptions(new HandlerRegistry(), () -> stream, null);
			assertThatExceptionOfType(CdcConfigurationException.class)
				.isThrownBy(() -> subscriptions.add("cache_rows"))
				.withMessageContaining("public.cache_rows")
				.withMessageContaining("SET LOGGED");
			assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
			assertThat(stream.tables()).extracting(Object::toString).containsExactly("public.streamed");
		}
		assertThat(relreplident("cache_rows")).isEqualTo("d");
		assertThat(published("runtime_pub")).isEqualTo("public.streamed");
	}

	@Test
	void defaultIdentityWithoutPrimaryKeyLeavesTheOtherTablesAsTheyWere() throws SQLException {
		database.execute("CREATE TABLE first_ok (id int PRIMARY KEY)", "CREATE TABLE second_keyless (id int)");
		assertThatExceptionOfType(CdcConfigurationException.class)
			.isThrownBy(() -> stream(database, "keyless_pub").tables("first_ok", "second_keyless")
				.replicaIdentity(ReplicaIdentity.DEFAULT)
				.replicaIdentity(dev.pgcdc.event.TableName.parse("first_ok"), ReplicaIdentity.FULL)
				.handler(new Recorder())
				.start())
			.withMessageContaining("public.second_keyless has no primary key");
		assertThat(relreplident("first_ok")).isEqualTo("d");
		assertThat(publicationExists("keyless_pub")).isFalse();
	}

	private static @Nullable String relreplident(String table) throws SQLException {
		return relreplident(database, table);
	}

	/** @return the table's {@code pg_class.relreplident}: {@code d}efault, {@code f}ull... */
	static @Nullable String relreplident(TestDatabase database, String table) throws SQLException {
		return query(database, "SELECT relreplident::text FROM pg_class WHERE oid = ?::regclass", table);
	}

	private static boolean publicationExists(String publication) throws SQLException {
		return query("SELECT pubname FROM pg_publication WHERE pubname = ?", publication) != null;
	}

	private static @Nullable String published(String publication) throws SQLException {
		return query("SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY 1) FROM pg_publication_tables"
				+ " WHERE pubname = ?", publication);
	}

	private static @Nullable String query(String sql, String parameter) throws SQLException {
		return query(database, sql, parameter);
	}

	private static @Nullable String query(TestDatabase database, String sql, String parameter) throws SQLException {
		try (Connection connection = database.connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, parameter);
			try (ResultSet row = statement.executeQuery()) {
				return row.next() ? row.getString(1) : null;
			}
		}
	}

}
