package dev.pgcdc.autoconfigure;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.live.LiveQueries;
import dev.pgcdc.live.Shape;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Live queries in a Spring Boot application over real HTTP: the bean, SSE events with their
 * ids, a {@code Last-Event-ID} resume without a new snapshot, a reset and snapshot when the id is
 * not held, 10,000 connect/disconnect cycles leaving nothing registered, the meters and the
 * endpoint's {@code live} section. {@code -Dpgcdc.test.live.sse.cycles} changes the cycles.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "spring.application.name=live-sse-test",
		"cdc.tables=todos", "cdc.live.sse.heartbeat=50ms", "cdc.live.sse.retention=2s",
		"management.endpoints.web.exposure.include=cdc,metrics" })
@DirtiesContext
class CdcLiveQueriesIntegrationTests {

	private static final int CYCLES = Integer.getInteger("pgcdc.test.live.sse.cycles", 10_000);

	private static final TestDatabase database = createDatabase();

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private LiveQueries live;

	@Autowired
	private CdcSubscriptions subscriptions;

	@Autowired
	private MeterRegistry meters;

	private static TestDatabase createDatabase() {
		TestDatabase database = TestPostgres.createDatabase("live_sse");
		database.execute("CREATE TABLE todos (id int PRIMARY KEY, user_id int NOT NULL, title text)",
				"INSERT INTO todos VALUES (1, 1, 'one'), (2, 2, 'two')");
		return database;
	}

	@DynamicPropertySource
	static void datasource(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", database::jdbcUrl);
		registry.add("spring.datasource.username", database::username);
		registry.add("spring.datasource.password", database::password);
	}

	@BeforeEach
	void awaitStreaming() {
		await().atMost(Duration.ofSeconds(60)).until(() -> this.subscriptions.awaitCaughtUp(Duration.ofSeconds(5)));
	}

	@Test
	void sseSendsSnapshotAndChangesAndResumesFromLastEventId() throws Exception {
		String lastId;
		try (Events events = connect("/todos/1", null)) {
			Event snapshot = events.next();
			assertThat(snapshot.name()).isEqualTo("snapshot");
			assertThat(snapshot.data().get("rows")).hasSize(1);
			assertThat(snapshot.data().get("rows").get(0).get("title").asString()).isEqualTo("one");
			assertThat(snapshot.id()).isEqualTo(snapshot.data().get("position").asString());
			database.execute("INSERT INTO todos VALUES (3, 1, 'three')", "INSERT INTO todos VALUES (4, 2, 'not mine')");
			Event change = events.next();
			assertThat(change.name()).isEqualTo("change");
			assertThat(change.data().get("operation").asString()).isEqualTo("INSERT");
			assertThat(change.data().get("row").get("id").asInt()).isEqualTo(3);
			assertThat(change.id()).isEqualTo(change.data().get("position").asString());
			lastId = change.id();
		}
		await().until(() -> this.live.status().sseRetained() == 1);
		// changes while the browser is away are held for it
		database.execute("UPDATE todos SET user_id = 2 WHERE id = 3", "UPDATE todos SET title = 'uno' WHERE id = 1");
		assertThat(this.subscriptions.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
		try (Events events = connect("/todos/1", lastId)) {
			Event moved = events.next();
			assertThat(moved.name()).isEqualTo("change");
			assertThat(moved.data().get("operation").asString()).isEqualTo("DELETE");
			assertThat(moved.data().get("row").get("id").asInt()).isEqualTo(3);
			Event updated = events.next();
			assertThat(updated.data().get("operation").asString()).isEqualTo("UPDATE");
			assertThat(updated.data().get("row").get("title").asString()).isEqualTo("uno");
			assertThat(updated.id().compareTo(moved.id())).isPositive();
		}
		// an id the server does not hold: reset, then a snapshot
		try (Events events = connect("/todos/1", "00000000FFFFFFFF/00000000")) {
			Event reset = events.next();
			assertThat(reset.name()).isEqualTo("reset");
			Event snapshot = events.next();
			assertThat(snapshot.name()).isEqualTo("snapshot");
			assertThat(snapshot.data().get("rows")).hasSize(1);
		}
		JsonNode status = json.readTree(get("/actuator/cdc"));
		assertThat(status.get("live").get("queries").asInt()).isPositive();
		assertThat(status.get("live").get("changes").asLong()).isGreaterThanOrEqualTo(3);
		assertThat(this.meters.get("cdc.live.changes").functionCounter().count()).isGreaterThanOrEqualTo(3);
		assertThat(this.meters.get("cdc.live.queries").gauge().value()).isPositive();
		// retention over: released
		await().atMost(Duration.ofSeconds(30)).until(() -> this.live.status().sseRetained() == 0);
	}

	@Test
	void connectDisconnectCyclesLeaveNothingRegistered() throws Exception {
		ExecutorService clients = Executors.newFixedThreadPool(8);
		try {
			List<Future<?>> done = new ArrayList<>();
			for (int c = 0; c < 8; c++) {
				int client = c;
				done.add(clients.submit(() -> {
					for (int i = client; i < CYCLES; i += 8) {
						try (Events events = connect("/todos/" + (i % 50), null)) {
							assertThat(events.next().name()).isEqualTo("snapshot");
						}
					}
					return null;
				}));
			}
			for (Future<?> future : done) {
				future.get();
			}
		}
		finally {
			clients.shutdown();
		}
		// each gone client is noticed by the heartbeat, then released after the retention
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			LiveQueries.Status status = this.live.status();
			return status.queries() == 0 && status.sseClients() == 0 && status.sseRetained() == 0;
		});
		assertThat(json.readTree(get("/actuator/cdc")).get("live").get("queries").asInt()).isZero();
	}

	private String get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString()).body();
	}

	private Events connect(String path, @Nullable String lastEventId) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("Accept", "text/event-stream");
		if (lastEventId != null) {
			request.header("Last-Event-ID", lastEventId);
		}
		HttpResponse<InputStream> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
		assertThat(response.statusCode()).isEqualTo(200);
		return new Events(response.body());
	}

	record Event(String name, @Nullable String id, JsonNode data) {
	}

	/** Reads Server-Sent Events from a response. */
	static final class Events implements AutoCloseable {

		private final InputStream body;

		private final BufferedReader reader;

		Events(InputStream body) {
			this.body = body;
			this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
		}

		Event next() throws IOException {
			String name = null;
			String id = null;
			StringBuilder data = new StringBuilder();
			String line;
			while ((line = this.reader.readLine()) != null) {
				if (line.isEmpty()) {
					if (name != null) {
						return new Event(name, id, json.readTree(data.toString()));
					}
					continue;
				}
				if (line.startsWith("event:")) {
					name = line.substring(6).trim();
				}
				else if (line.startsWith("id:")) {
					id = line.substring(3).trim();
				}
				else if (line.startsWith("data:")) {
					data.append(line.substring(5));
				}
			}
			throw new IOException("The event stream ended");
		}

		@Override
		public void close() throws IOException {
			this.body.close();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

		@RestController
		static class TodoController {

			private final LiveQueries live;

			TodoController(LiveQueries live) {
				this.live = live;
			}

			@GetMapping(path = "/todos/{user}", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
			SseEmitter todos(@PathVariable int user) {
				return this.live.sse(Shape.of("todos").where("user_id", user));
			}

		}

	}

}
