package dev.pgcdc.types;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class JdbcTypeCatalogTests {

	private static TestDatabase database;

	private static JdbcTypeCatalog catalog;

	@BeforeAll
	static void createTypes() {
		database = TestPostgres.createDatabase("types_catalog");
		database.execute("CREATE SCHEMA sales", "CREATE TYPE sales.mood AS ENUM ('happy', 'sad')",
				"CREATE DOMAIN posint AS int4 CHECK (VALUE > 0)");
		catalog = new JdbcTypeCatalog(FixtureColumn.connections(database));
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void findsEnumsTheirArraysAndDomains() throws Exception {
		int mood = oid("sales.mood");
		int moodArray = oid("sales._mood");
		assertThat(catalog.find(mood)).hasValue(new PgType(mood, "sales", "mood", 'e', 0, 0, ',', "enum_send"));
		assertThat(catalog.find(moodArray)).hasValue(new PgType(moodArray, "sales", "_mood", 'b', 0, mood, ',', "array_send"));
		assertThat(catalog.find(oid("posint")).orElseThrow().baseTypeOid()).isEqualTo(23);
		// point has a typelem but is no array
		assertThat(catalog.find(600).orElseThrow().isArray()).isFalse();
		assertThat(catalog.find(1020).orElseThrow().elementOid()).isEqualTo(603);
		assertThat(catalog.find(603).orElseThrow().delimiter()).isEqualTo(';');
	}

	@Test
	void worksOverADataSourceAndFailsClearlyWhenItCannotConnect() {
		PGSimpleDataSource dataSource = new PGSimpleDataSource();
		dataSource.setUrl(database.jdbcUrl());
		dataSource.setUser(database.username());
		dataSource.setPassword(database.password());
		assertThat(new JdbcTypeCatalog(dataSource).find(23).orElseThrow().name()).isEqualTo("int4");
		dataSource.setDatabaseName("no_such_database");
		assertThatIllegalStateException().isThrownBy(() -> new JdbcTypeCatalog(dataSource).find(23))
			.withMessageContaining("Cannot read pg_type for type OID 23");
	}

	@Test
	void missingOidIsEmpty() {
		assertThat(catalog.find(Integer.MAX_VALUE)).isEmpty();
	}

	@Test
	void everyBuiltInEntryMatchesPgType() throws Exception {
		TypeRegistry registry = new TypeRegistry();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
			for (int oid : BuiltinTypes.oids()) {
				try (ResultSet row = statement.executeQuery("SELECT typname, typelem::int8, typcategory FROM pg_type WHERE oid = " + oid)) {
					assertThat(row.next()).as("OID %d exists", oid).isTrue();
					assertThat(registry.typeName(oid)).as("name of OID %d", oid).isEqualTo(row.getString(1));
					if (row.getString(3).equals("A") && row.getString(1).startsWith("_")) {
						assertThat(registry.typeName(oid)).isEqualTo("_" + registry.typeName((int) row.getLong(2)));
					}
				}
			}
		}
	}

	private static int oid(String type) throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT '" + type + "'::regtype::oid::int8")) {
			row.next();
			return (int) row.getLong(1);
		}
	}

}
