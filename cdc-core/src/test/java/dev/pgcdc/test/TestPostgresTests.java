package dev.pgcdc.test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TestPostgresTests {

	@Test
	void sharedServerRunsWithLogicalWalAndGivesEachTestItsOwnDatabase() throws Exception {
		try (TestDatabase first = TestPostgres.createDatabase("smoke"); TestDatabase second = TestPostgres.createDatabase("smoke")) {
			assertThat(first.name()).isNotEqualTo(second.name());
			try (Connection connection = first.connect(); Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery("SHOW wal_level")) {
				assertThat(rows.next()).isTrue();
				assertThat(rows.getString(1)).isEqualTo("logical");
			}
			first.execute("SELECT pg_create_logical_replication_slot('smoke_slot', 'pgoutput')");
		}
	}

}
