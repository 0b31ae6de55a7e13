package dev.pgcdc.live;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.filter.reactive.ServerWebExchangeContextFilter;
import reactor.core.Disposable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@link LiveQueries#flux}: sessions retained after a cancel, resumed from a Last-Event-ID, released. */
class LiveFluxTests {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("live_flux");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void cancelledFluxResumesFromItsLastEventIdWithoutSnapshot() throws Exception {
		Shape shape = LiveFixture.ownedTable(database, "resumed");
		try (LiveFixture fixture = new LiveFixture(database, LiveFixture.RETAINED, "resumed")) {
			List<ServerSentEvent<?>> first = new CopyOnWriteArrayList<>();
			Disposable connection = fixture.live.flux(shape).subscribe(first::add);
			await().atMost(LiveFixture.TIMEOUT).until(() -> first.size() == 1);
			database.execute("INSERT INTO resumed VALUES (2, 1)");
			await().atMost(LiveFixture.TIMEOUT).until(() -> first.size() == 2);
			String lastEventId = first.get(1).id();
			connection.dispose();
			// the query follows the shape while the client is away
			await().atMost(LiveFixture.TIMEOUT).until(() -> fixture.live.status().sseRetained() == 1);
			assertThat(fixture.live.status().sseClients()).isZero();
			database.execute("INSERT INTO resumed VALUES (3, 1), (4, 2)", "UPDATE resumed SET owner = 2 WHERE id = 1");
			fixture.awaitDelivered();

			List<ServerSentEvent<?>> resumed = new CopyOnWriteArrayList<>();
			connection = fixture.live.flux(shape, lastEventId).subscribe(resumed::add);
			await().atMost(LiveFixture.TIMEOUT).until(() -> resumed.size() == 2);
			assertThat(resumed).extracting(ServerSentEvent::event).containsExactly("change", "change");
			assertThat(changes(resumed)).containsExactly("INSERT 3", "DELETE 1");
			database.execute("INSERT INTO resumed VALUES (5, 1)");
			await().atMost(LiveFixture.TIMEOUT).until(() -> resumed.size() == 3);
			assertThat(changes(resumed.subList(2, 3))).containsExactly("INSERT 5");
			assertThat(resumed.get(2).id()).isEqualTo(((ShapeChange) resumed.get(2).data()).position());
			assertThat(fixture.live.openQueries()).isOne();
			assertThat(fixture.live.status().sseClients()).isOne();
			assertThat(fixture.live.status().sseRetained()).isZero();

			// an id this application does not hold: reset, then the current rows
			List<ServerSentEvent<?>> unknown = new CopyOnWriteArrayList<>();
			Disposable other = fixture.live.flux(shape, "0/0:0").subscribe(unknown::add);
			await().atMost(LiveFixture.TIMEOUT).until(() -> unknown.size() == 2);
			assertThat(unknown).extracting(ServerSentEvent::event).containsExactly("reset", "snapshot");
			assertThat(ids(unknown.get(1))).containsExactlyInAnyOrder(2, 3, 5);
			assertThat(fixture.live.openQueries()).isEqualTo(2);
			connection.dispose();
			other.dispose();
		}
	}

	@Test
	void reconnectWithAnIdOfAnotherLiveClientDoesNotTakeItsSession() throws Exception {
		Shape shape = LiveFixture.ownedTable(database, "shared");
		try (LiveFixture fixture = new LiveFixture(database, LiveFixture.RETAINED, "shared")) {
			// two tabs on the same shape: their events have the same ids (the positions)
			List<ServerSentEvent<?>> first = new CopyOnWriteArrayList<>();
			AtomicBoolean firstCompleted = new AtomicBoolean();
			Disposable one = fixture.live.flux(shape).doOnComplete(() -> firstCompleted.set(true)).subscribe(first::add);
			await().atMost(LiveFixture.TIMEOUT).until(() -> first.size() == 1);
			List<ServerSentEvent<?>> second = new CopyOnWriteArrayList<>();
			Disposable two = fixture.live.flux(shape).subscribe(second::add);
			await().atMost(LiveFixture.TIMEOUT).until(() -> second.size() == 1);
			database.execute("INSERT INTO shared VALUES (2, 1)");
			await().atMost(LiveFixture.TIMEOUT).until(() -> first.size() == 2 && second.size() == 2);
			assertThat(first.get(1).id()).isEqualTo(second.get(1).id());

			// a third client resumes from that id while both are connected and well
			List<ServerSentEvent<?>> third = new CopyOnWriteArrayList<>();
			Disposable three = fixture.live.flux(shape, first.get(1).id()).subscribe(third::add);
			await().atMost(LiveFixture.TIMEOUT).until(() -> third.size() == 2);
			assertThat(third).extracting(ServerSentEvent::event).containsExactly("reset", "snapshot");
			assertThat(firstCompleted).isFalse();
			database.execute("INSERT INTO shared VALUES (3, 1)");
			await().atMost(LiveFixture.TIMEOUT).until(() -> changes(events(first)).size() == 2
					&& changes(events(second)).size() == 2 && third.size() == 3);
			assertThat(changes(events(first))).containsExactly("INSERT 2", "INSERT 3");
			assertThat(changes(events(second))).containsExactly("INSERT 2", "INSERT 3");
			assertThat(fixture.live.openQueries()).isEqualTo(3);
			one.dispose();
			two.dispose();
			three.dispose();
		}
	}

	@Test
	void webFluxRequestsLastEventIdIsReadFromTheReactorContext() throws Exception {
		Shape shape = LiveFixture.ownedTable(database, "contextual");
		try (LiveFixture fixture = new LiveFixture(database, LiveFixture.RETAINED, "contextual")) {
			List<ServerSentEvent<?>> first = new CopyOnWriteArrayList<>();
			Disposable connection = fixture.live.flux(shape).subscribe(first::add);
			await().atMost(LiveFixture.TIMEOUT).until(() -> first.size() == 1);
			database.execute("INSERT INTO contextual VALUES (2, 1)");
			await().atMost(LiveFixture.TIMEOUT).until(() -> first.size() == 2);
			connection.dispose();
			await().atMost(LiveFixture.TIMEOUT).until(() -> fixture.live.status().sseRetained() == 1);
			database.execute("INSERT INTO contextual VALUES (3, 1)");
			fixture.awaitDelivered();

			MockServerWebExchange exchange = MockServerWebExchange
				.from(MockServerHttpRequest.get("/live").header("Last-Event-ID", first.get(1).id()));
			List<ServerSentEvent<?>> resumed = new CopyOnWriteArrayList<>();
			connection = fixture.live.flux(shape)
				.contextWrite((context) -> context.put(ServerWebExchangeContextFilter.EXCHANGE_CONTEXT_ATTRIBUTE, exchange))
				.subscribe(resumed::add);
			await().atMost(LiveFixture.TIMEOUT).until(() -> resumed.size() == 1);
			assertThat(changes(resumed)).containsExactly("INSERT 3");
			connection.dispose();
		}
	}

	@Test
	void connectDisconnectCyclesLeaveNothingOpen() throws Exception {
		Shape shape = LiveFixture.ownedTable(database, "cycled");
		LiveQueryOptions shortRetention = new LiveQueryOptions(LiveQueryOptions.DEFAULT_BUFFER_SIZE, 2,
				Duration.ofMillis(200), 100, null, Duration.ofMillis(50));
		try (LiveFixture fixture = new LiveFixture(database, shortRetention, "cycled")) {
			for (int i = 0; i < 1_000; i++) {
				// cancelled from the delivery thread as soon as the first event is in, often before
				// the query's subscribe returned to the session; every other client asks to resume
				// from an id no longer held, and gets a reset first
				String lastEventId = (i % 2 == 0) ? null : "0/0:0";
				ServerSentEvent<?> event = fixture.live.flux(shape, lastEventId)
					.filter((sent) -> sent.event() != null) // not a heartbeat
					.take(1)
					.blockLast(LiveFixture.TIMEOUT);
				assertThat(event).isNotNull();
				assertThat(event.event()).isEqualTo((lastEventId == null) ? "snapshot" : "reset");
			}
			await().atMost(LiveFixture.TIMEOUT).until(() -> fixture.live.openQueries() == 0);
			assertThat(fixture.live.status().sseClients()).isZero();
			assertThat(fixture.live.status().sseRetained()).isZero();
		}
	}

	/** @return the change events, without the snapshot and heartbeats */
	private static List<ServerSentEvent<?>> events(List<ServerSentEvent<?>> events) {
		return events.stream().filter((event) -> "change".equals(event.event())).toList();
	}

	private static List<String> changes(List<ServerSentEvent<?>> events) {
		return events.stream().map((event) -> {
			ShapeChange change = (ShapeChange) event.data();
			return change.operation() + " " + change.row().get("id");
		}).toList();
	}

	@SuppressWarnings("unchecked")
	private static List<Object> ids(ServerSentEvent<?> snapshot) {
		Map<String, Object> data = (Map<String, Object>) snapshot.data();
		return ((List<Map<String, Object>>) data.get("rows")).stream().map((row) -> row.get("id")).toList();
	}

}
