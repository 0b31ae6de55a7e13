package dev.pgcdc.live;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.dispatch.RowBinder;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.ChangeStreamBuilder;
import dev.pgcdc.test.TestDatabase;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A stream with live queries attached, on a test database. */
final class LiveFixture implements AutoCloseable {

	static final Duration TIMEOUT = Duration.ofMinutes(2);

	/** Web sessions retained for a resume far longer than a test, no heartbeat during one. */
	static final LiveQueryOptions RETAINED = new LiveQueryOptions(LiveQueryOptions.DEFAULT_BUFFER_SIZE, 2,
			Duration.ofMinutes(5), 100, null, Duration.ofMinutes(5));

	final TestDatabase database;

	final PGSimpleDataSource dataSource = new PGSimpleDataSource();

	final AtomicReference<ChangeStream> stream = new AtomicReference<>();

	final CdcSubscriptions subscriptions;

	final LiveQueries live;

	/**
	 * A table {@code (id int PRIMARY KEY, owner int NOT NULL)} holding row (1, 1).
	 * @return the shape of owner 1's rows
	 */
	static Shape ownedTable(TestDatabase database, String table) {
		database.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, owner int NOT NULL)",
				"INSERT INTO " + table + " VALUES (1, 1)");
		return Shape.of(table).where("owner", 1);
	}

	LiveFixture(TestDatabase database, LiveQueryOptions options, String... tables) {
		this(database, options, ChangeStream.builder(), tables);
	}

	LiveFixture(TestDatabase database, LiveQueryOptions options, ChangeStreamBuilder builder, String... tables) {
		this.database = database;
		this.dataSource.setUrl(database.jdbcUrl());
		this.dataSource.setUser(database.username());
		this.dataSource.setPassword(database.password());
		this.subscriptions = new CdcSubscriptions(new HandlerRegistry(new RowBinder()), this.stream::get, null);
		this.live = new LiveQueries(this.dataSource, this.subscriptions, options);
		builder.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.publication(database.name() + "_pub")
			.tables(tables)
			.handler((batch) -> {
			});
		this.live.attach(builder);
		this.stream.set(builder.build());
		this.stream.get().start();
	}

	ChangeStream stream() {
		return this.stream.get();
	}

	/** Wait until the stream handled everything committed so far and every query delivered it. */
	void awaitDelivered() {
		assertThat(this.subscriptions.awaitCaughtUp(TIMEOUT)).as("stream caught up").isTrue();
		await().atMost(TIMEOUT).until(this.live::isIdle);
	}

	/** @return the rows of a query, by the first column, read with plain JDBC */
	Map<Object, Map<String, Object>> query(String sql, Object... parameters) throws Exception {
		Map<Object, Map<String, Object>> rows = new LinkedHashMap<>();
		try (Connection connection = this.database.connect();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			for (int i = 0; i < parameters.length; i++) {
				statement.setObject(i + 1, parameters[i]);
			}
			try (ResultSet result = statement.executeQuery()) {
				ResultSetMetaData meta = result.getMetaData();
				while (result.next()) {
					Map<String, Object> row = new LinkedHashMap<>();
					for (int i = 1; i <= meta.getColumnCount(); i++) {
						row.put(meta.getColumnName(i), result.getObject(i));
					}
					rows.put(row.get(meta.getColumnName(1)), row);
				}
			}
		}
		return rows;
	}

	@Override
	public void close() {
		this.live.close();
		ChangeStream current = this.stream.get();
		if (current != null) {
			current.close();
		}
	}

}
