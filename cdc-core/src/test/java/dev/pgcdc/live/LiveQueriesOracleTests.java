package dev.pgcdc.live;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The oracle: many shapes ({@code where user_id = k}, some {@code whereIn}, some projected, some
 * with two conditions) are open while a paced writer inserts, updates (projected and unprojected
 * columns, rows moving between users), deletes and truncates; half of them are opened during
 * the writes. Once the writer stopped and everything is delivered, every subscriber's view built
 * from onSnapshot and onChange equals its query's result, and no change was delivered twice or
 * out of order. {@code -Dpgcdc.test.live.shapes=N} changes the number of shapes (default 500, as the issue asks).
 */
class LiveQueriesOracleTests {

	private static final int SHAPES = Integer.getInteger("pgcdc.test.live.shapes", 500);

	private static final int USERS = 60;

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("live_oracle");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	record Opened(Shape shape, View view, String sql, Object[] parameters, LiveQuery query) {
	}

	static Opened open(LiveQueries live, int i) {
		return open(live, i, "todos", USERS);
	}

	static Opened open(LiveQueries live, int i, String table, int users) {
		int user = i % users;
		int other = (user + 1) % users;
		Shape shape;
		String sql;
		Object[] parameters;
		switch (i % 5) {
			case 0, 1 -> {
				shape = Shape.of(table).where("user_id", user);
				sql = "SELECT id, user_id, title, done, note FROM " + table + " WHERE user_id = ?";
				parameters = new Object[] { user };
			}
			case 2 -> {
				shape = Shape.of(table).where("user_id", user).columns("title");
				sql = "SELECT id, title FROM " + table + " WHERE user_id = ?";
				parameters = new Object[] { user };
			}
			case 3 -> {
				shape = Shape.of(table).whereIn("user_id", List.of(user, other));
				sql = "SELECT id, user_id, title, done, note FROM " + table + " WHERE user_id IN (?, ?)";
				parameters = new Object[] { user, other };
			}
			default -> {
				shape = Shape.of(table).where("user_id", (long) user).where("done", false).columns("id", "done", "user_id");
				sql = "SELECT id, user_id, done FROM " + table + " WHERE user_id = ? AND NOT done";
				parameters = new Object[] { user };
			}
		}
		View view = new View("shape " + i + " (" + shape + ")", "id");
		return new Opened(shape, view, sql, parameters, live.subscribe(shape, view));
	}

	static void assertOracle(LiveFixture fixture, List<Opened> opened) throws Exception {
		fixture.awaitDelivered();
		List<String> differences = new ArrayList<>();
		for (Opened query : opened) {
			assertThat(query.query().isOpen()).as(query.view().name).isTrue();
			Map<Object, Map<String, Object>> expected = fixture.query(query.sql(), query.parameters());
			Map<Object, Map<String, Object>> actual = new java.util.LinkedHashMap<>();
			query.view().copy().forEach((id, row) -> actual.put(id, new java.util.LinkedHashMap<>(row)));
			if (!actual.equals(expected)) {
				differences.add(query.view().name + ": expected " + expected.size() + " rows, view has " + actual.size()
						+ (differences.isEmpty() ? ": " + expected + " vs " + actual : ""));
			}
			differences.addAll(query.view().errors());
		}
		assertThat(differences).as("views differing from their query, or bad changes").isEmpty();
	}

	@Test
	void everyViewEqualsItsQueryAfterConcurrentWrites() throws Exception {
		database.execute(TodoWriter.create("todos"));
		try (LiveFixture fixture = new LiveFixture(database, LiveQueryOptions.defaults(), "todos");
				TodoWriter writer = new TodoWriter(database, "todos", USERS, 1500, 7)) {
			writer.seed(3000);
			List<Opened> opened = new ArrayList<>();
			for (int i = 0; i < SHAPES / 2; i++) {
				opened.add(open(fixture.live, i));
			}
			await().atMost(LiveFixture.TIMEOUT).until(fixture.live::isIdle);
			writer.start();
			// the other half opens during the writes: the race between query and stream
			for (int i = SHAPES / 2; i < SHAPES; i++) {
				opened.add(open(fixture.live, i));
				if (i == SHAPES * 3 / 4) {
					writer.truncateSoon();
					await().atMost(LiveFixture.TIMEOUT).until(writer::truncated);
					writer.seed(500);
				}
				long target = writer.operations() + 10;
				await().atMost(LiveFixture.TIMEOUT).until(() -> writer.operations() >= target);
			}
			long target = writer.operations() + 2000;
			await().atMost(LiveFixture.TIMEOUT).until(() -> writer.operations() >= target);
			writer.close();
			assertOracle(fixture, opened);
			long changes = opened.stream().mapToLong((query) -> query.view().changes.get()).sum();
			assertThat(changes).as("changes delivered").isGreaterThan(SHAPES * 5L);
			assertThat(opened.get(0).view().resets.get()).as("resets after the TRUNCATE").isPositive();
			assertThat(fixture.live.openQueries()).isEqualTo(SHAPES);
			opened.forEach((query) -> query.query().close());
			assertThat(fixture.live.openQueries()).isZero();
		}
	}

}
