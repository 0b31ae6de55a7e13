package dev.pgcdc.replication;

import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How connection failures are worded (the end-to-end case is in {@link StartupErrorTests}).
 */
class SqlErrorsTests {

	@Test
	void networkFailureNamesEveryHostButNoParameter() {
		SQLException failed = new SQLException("The connection attempt failed.", "08001",
				new SocketTimeoutException("Connect timed out"));
		SQLException explained = SqlErrors.explainConnectFailure(failed,
				"jdbc:postgresql://db1.example:5432,db2.example:6543/orders?user=app&password=secret");
		assertThat(explained.getMessage()).startsWith("Cannot connect to db1.example:5432, db2.example:6543/orders: ")
			.contains("no answer in time (Connect timed out)")
			.doesNotContain("secret");
		assertThat(explained.getSQLState()).isEqualTo("08001");
		assertThat(explained.getCause()).isSameAs(failed);
		assertThat(SqlErrors.isConnectionProblem(explained)).isTrue();
	}

	@Test
	void unknownHostIsNamedWithoutTheResolverDetail() {
		SQLException failed = new SQLException("The connection attempt failed.", "08001",
				new UnknownHostException("db.example: Name or service not known"));
		assertThat(SqlErrors.explainConnectFailure(failed, "jdbc:postgresql://db.example/app").getMessage())
			.startsWith("Cannot connect to db.example:5432/app: unknown host db.example. ");
	}

	@Test
	void otherErrorsAreLeftAsTheyAre() {
		SQLException login = new SQLException("password authentication failed", "28P01");
		assertThat((Object) SqlErrors.explainConnectFailure(login, "jdbc:postgresql://db.example/app")).isSameAs(login);
	}

}
