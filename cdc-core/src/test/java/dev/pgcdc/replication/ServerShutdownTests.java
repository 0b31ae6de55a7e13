package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.dispatch.ErrorPolicy;
import dev.pgcdc.dispatch.HandlerDefinition;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.filter.EventFilter;
import dev.pgcdc.test.DedicatedPostgres;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.FixedBackOff;

import static dev.pgcdc.replication.ChangeStreamTests.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

/**
 * A server shutting down while a handler writes to that same server. A fast shutdown first ends
 * every ordinary backend (the handler's connection among them: 57P01) and refuses new connections
 * (57P03), then waits for each walsender, which ends only once its client confirmed everything
 * it was sent (or after {@code wal_sender_timeout}, 60 s here). A handler whose retries keep
 * trying to connect (as a pool does, for its connection timeout) therefore held the shutdown for
 * as long as they lasted, the stream meanwhile answering the walsender's keepalives without
 * confirming the transaction in hand.
 */
class ServerShutdownTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(90);

	/** How long the handler's "pool" keeps trying to connect, as HikariCP's default connectionTimeout. */
	private static final long CONNECT_TIMEOUT_MILLIS = 30_000;

	@Test
	void fastShutdownIsNotHeldByAHandlerWritingToTheSameServer() throws Exception {
		// DedicatedPostgres.restart() is pg_ctl stop -m fast -t 5: the stop gives up after 5 s, and
		// restart() then fails (the old server still runs). The old code held the walsender, and so
		// the stop, while the handler retried: 3 retries of up to 30 s each, far past those 5 s
		try (DedicatedPostgres server = TestPostgres.startDedicated(Map.of());
				TestDatabase database = server.createDatabase("shutdown")) {
			database.execute("CREATE TABLE orders (id int PRIMARY KEY)", "CREATE TABLE sink (id int PRIMARY KEY)");
			SinkWriter writer = new SinkWriter(database);
			HandlerRegistry registry = new HandlerRegistry();
			registry.register(new HandlerDefinition("sink", "writer", writer,
					SinkWriter.class.getDeclaredMethod("write", ChangeEvent.class), 0, Set.of(), EventFilter.acceptAll(),
					null));
			// the defaults: 3 retries, 200 ms doubling to 5 s; STOP afterwards
			HandlerMulticaster handlers = new HandlerMulticaster(registry, HandlerMulticaster.defaultRetryPolicy(),
					ErrorPolicy.STOP, null);
			List<StreamState> states = new CopyOnWriteArrayList<>();
			try (ChangeStream stream = stream(database, "shutdown_pub").tables("orders")
				.slot("shutdown_slot")
				.durable(true)
				.backOff(new FixedBackOff(200, FixedBackOff.UNLIMITED_ATTEMPTS))
				.listener((from, to, cause) -> states.add(to))
				.handler(handlers)
				.start()) {
				database.execute("INSERT INTO orders VALUES (1)");
				await().atMost(TIMEOUT).until(() -> writer.written().contains(1));
				// the handler of order 2 is in flight, on its connection, when the shutdown begins
				writer.holdOrder(2);
				database.execute("INSERT INTO orders VALUES (2)");
				assertThat(writer.held.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
				assertThatNoException().as("pg_ctl stop -m fast -t 5 while a handler writes to the same server")
					.isThrownBy(server::restart);
				database.execute("INSERT INTO orders VALUES (3)");
				await().atMost(TIMEOUT).until(() -> writer.written().containsAll(List.of(1, 2, 3)));
				assertThat(writer.written()).containsExactlyInAnyOrder(1, 2, 3);
				assertThat(stream.state()).isEqualTo(StreamState.STREAMING);
				assertThat(states).containsSubsequence(StreamState.STREAMING, StreamState.RECONNECTING,
						StreamState.STREAMING)
					.doesNotContain(StreamState.FAILED);
			}
		}
	}

	/**
	 * Writes each order into {@code sink} on a connection it keeps, reconnecting as a pool does:
	 * trying for up to {@link #CONNECT_TIMEOUT_MILLIS} while the server refuses connections.
	 */
	static final class SinkWriter {

		private final TestDatabase database;

		private final CountDownLatch held = new CountDownLatch(1);

		private volatile int holdOrder = -1;

		private Connection connection;

		SinkWriter(TestDatabase database) {
			this.database = database;
		}

		void holdOrder(int id) {
			this.holdOrder = id;
		}

		void write(ChangeEvent event) throws Exception {
			int id = ((Number) event.newRecord().get("id")).intValue();
			Connection current = connection();
			try {
				if (id == this.holdOrder) {
					this.holdOrder = -1;
					this.held.countDown();
					// busy on its connection until the shutdown ends it
					while (true) {
						try (Statement statement = current.createStatement()) {
							statement.execute("SELECT pg_sleep(0.05)");
						}
					}
				}
				try (PreparedStatement insert = current
					.prepareStatement("INSERT INTO sink VALUES (?) ON CONFLICT DO NOTHING")) {
					insert.setInt(1, id);
					insert.executeUpdate();
				}
			}
			catch (SQLException ex) {
				close();
				throw ex;
			}
		}

		private Connection connection() throws Exception {
			if (this.connection != null) {
				return this.connection;
			}
			long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MILLIS);
			while (true) {
				try {
					this.connection = DriverManager.getConnection(this.database.jdbcUrl(), this.database.username(),
							this.database.password());
					return this.connection;
				}
				catch (SQLException ex) {
					if (System.nanoTime() > deadline) {
						throw ex;
					}
					// a pool's retry pace between connection attempts, not a synchronisation
					TimeUnit.MILLISECONDS.sleep(100);
				}
			}
		}

		private void close() {
			try {
				if (this.connection != null) {
					this.connection.close();
				}
			}
			catch (SQLException ex) {
				// already broken
			}
			this.connection = null;
		}

		List<Integer> written() throws SQLException {
			try (Connection reader = this.database.connect(); Statement statement = reader.createStatement();
					ResultSet rows = statement.executeQuery("SELECT id FROM sink ORDER BY id")) {
				List<Integer> ids = new java.util.ArrayList<>();
				while (rows.next()) {
					ids.add(rows.getInt(1));
				}
				return ids;
			}
			catch (SQLException ex) {
				// the server is restarting
				return List.of();
			}
		}

	}

}
