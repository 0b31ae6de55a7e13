package dev.pgcdc.sample;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import dev.pgcdc.sample.activity.ActivityLog.Activity;
import dev.pgcdc.sample.feed.LiveFeed;
import dev.pgcdc.sample.user.UserCache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The parts of the sample that do not need the change stream: the embedded server and the
 * schema, the page, the REST API and the server-sent event plumbing.
 */
@SampleAppTest
class SampleWebTests {

	@LocalServerPort
	int port;

	@Autowired
	Environment environment;

	@Autowired
	LiveFeed feed;

	@Autowired
	UserCache cache;

	RestClient http;

	@BeforeEach
	void client() {
		this.http = RestClient.builder()
			.baseUrl("http://localhost:" + this.port)
			.defaultStatusHandler(HttpStatusCode::isError, (request, response) -> {
			})
			.build();
	}

	@Test
	void runsOnItsOwnEmbeddedPostgresWithLogicalWal() {
		assertThat(this.environment.getProperty("spring.datasource.url")).startsWith("jdbc:postgresql://localhost:");
		JsonNode connection = this.http.get().uri("/api/connection").retrieve().body(JsonNode.class);
		assertThat(connection.get("embedded").asBoolean()).isTrue();
		assertThat(connection.get("psql").asString()).startsWith("psql -h localhost -p ");
		assertThat(OutsideClient.of(this.environment).queryLongs(
				"SELECT count(*) FROM pg_settings WHERE name = 'wal_level' AND setting = 'logical'"))
			.containsExactly(1L);
	}

	@Test
	void servesThePage() {
		String page = this.http.get().uri("/").retrieve().body(String.class);
		assertThat(page).contains("<title>pgcdc sample").contains("id=\"feed\"").contains("app.js");
		assertThat(this.http.get().uri("/app.js").retrieve().body(String.class)).contains("new EventSource('/api/feed')");
	}

	@Test
	void todosCanBeAddedDoneAndDeleted() {
		Long id = this.http.post()
			.uri("/api/todos")
			.contentType(MediaType.APPLICATION_JSON)
			.body("{\"title\": \"Water the plants\"}")
			.retrieve()
			.body(Long.class);
		JsonNode added = todo(id);
		assertThat(added.get("title").asString()).isEqualTo("Water the plants");
		assertThat(added.get("done").asBoolean()).isFalse();
		assertThat(this.http.patch()
			.uri("/api/todos/{id}", id)
			.contentType(MediaType.APPLICATION_JSON)
			.body("{\"done\": true}")
			.retrieve()
			.toBodilessEntity()
			.getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
		assertThat(todo(id).get("done").asBoolean()).isTrue();
		this.http.delete().uri("/api/todos/{id}", id).retrieve().toBodilessEntity();
		assertThat(todo(id).isMissingNode()).isTrue();
		assertThat(this.http.delete().uri("/api/todos/{id}", id).retrieve().toBodilessEntity().getStatusCode())
			.isEqualTo(HttpStatus.NOT_FOUND);
	}

	@Test
	void aTodoWithoutTitleIsRejected() {
		assertThat(this.http.post()
			.uri("/api/todos")
			.contentType(MediaType.APPLICATION_JSON)
			.body("{\"title\": \"  \"}")
			.retrieve()
			.toBodilessEntity()
			.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
	}

	@Test
	void triggersKeepTodosCountAndUpdatedAt() {
		OutsideClient sql = OutsideClient.of(this.environment);
		sql.execute("INSERT INTO users (email, name) VALUES ('count@example.com', 'Count')");
		sql.execute("INSERT INTO todos (user_id, title) SELECT id, 'one' FROM users WHERE email = 'count@example.com'");
		sql.execute("INSERT INTO todos (user_id, title) SELECT id, 'two' FROM users WHERE email = 'count@example.com'");
		assertThat(sql.queryLongs("SELECT todos_count FROM users WHERE email = 'count@example.com'")).containsExactly(2L);
		assertThat(sql.queryLongs("SELECT count(*) FROM users WHERE email = 'count@example.com' AND updated_at > created_at"))
			.containsExactly(1L);
	}

	@Test
	void usersAreServedThroughTheCache() {
		JsonNode users = this.http.get().uri("/api/users").retrieve().body(JsonNode.class);
		JsonNode ada = stream(users).filter((user) -> user.at("/user/email").asString().equals("ada@example.com"))
			.findFirst()
			.orElseThrow();
		assertThat(ada.at("/user/eventSubscribe").asBoolean()).isTrue();
		assertThat(this.cache.contains(ada.at("/user/id").asLong())).isTrue();
	}

	@Test
	void otherClientRunsOnlyItsFixedStatements() {
		assertThat(this.http.get().uri("/api/other-client").retrieve().body(JsonNode.class)).hasSize(5);
		assertThat(this.http.post().uri("/api/other-client/{name}", "drop-everything").retrieve().toBodilessEntity()
			.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		OutsideClient sql = OutsideClient.of(this.environment);
		long before = sql.queryLongs("SELECT count(*) FROM todos").get(0);
		JsonNode ran = this.http.post().uri("/api/other-client/{name}", "add-todo").retrieve().body(JsonNode.class);
		assertThat(ran.get("sql").asString()).startsWith("INSERT INTO todos");
		assertThat(sql.queryLongs("SELECT count(*) FROM todos").get(0)).isEqualTo(before + 1);
	}

	@Test
	void everyStatementOfTheOtherClientRuns() {
		JsonNode statements = this.http.get().uri("/api/other-client").retrieve().body(JsonNode.class);
		stream(statements).map((statement) -> statement.get("name").asString())
			.forEach((name) -> assertThat(this.http.post().uri("/api/other-client/{name}", name).retrieve()
				.toBodilessEntity()
				.getStatusCode()).as(name).isEqualTo(HttpStatus.OK));
	}

	@Test
	void subscriptionsPanelListsTheTablesAndRejectsUnknownOnes() {
		JsonNode overview = this.http.get().uri("/api/cdc").retrieve().body(JsonNode.class);
		assertThat(stream(overview.get("subscriptions")).map((subscription) -> subscription.get("table").asString()))
			.contains("public.users", "public.todos");
		assertThat(switchTo("/api/cdc/{table}", "not_subscribed", true).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(switchTo("/api/cdc/{table}", "bad name;", true).getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
	}

	@Test
	void theActuatorEndpointShowsTheStreamAndSwitchesASubscription() {
		await().atMost(Duration.ofSeconds(30))
			.until(() -> this.http.get().uri("/actuator/cdc").retrieve().body(JsonNode.class).get("state").asString(),
					"STREAMING"::equals);
		try {
			assertThat(switchTo("/actuator/cdc/{table}", "users", false).getStatusCode().is2xxSuccessful()).isTrue();
			JsonNode users = this.http.get().uri("/actuator/cdc/{table}", "users").retrieve().body(JsonNode.class);
			assertThat(users.get("enabled").asBoolean()).isFalse();
		}
		finally {
			assertThat(switchTo("/actuator/cdc/{table}", "users", true).getStatusCode().is2xxSuccessful()).isTrue();
		}
		assertThat(this.http.get().uri("/actuator/cdc/{table}", "users").retrieve().body(JsonNode.class).get("enabled")
			.asBoolean()).isTrue();
	}

	private ResponseEntity<Void> switchTo(String uri, String table, boolean enabled) {
		return this.http.post()
			.uri(uri, table)
			.contentType(MediaType.APPLICATION_JSON)
			.body("{\"enabled\": " + enabled + "}")
			.retrieve()
			.toBodilessEntity();
	}

	@Test
	@Timeout(60)
	void feedPushesEntriesAsServerSentEvents() throws Exception {
		HttpClient client = HttpClient.newHttpClient();
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/api/feed"))
			.header("Accept", "text/event-stream")
			.build();
		HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/event-stream"));
		BlockingQueue<String> lines = new LinkedBlockingQueue<>();
		Thread reader = new Thread(() -> readLines(response.body(), lines), "sse-reader");
		reader.setDaemon(true);
		reader.start();
		try {
			this.feed.publish("activity", new Activity("2026-01-01T00:00:00Z", "test", "hello from the feed test"));
			await().atMost(Duration.ofSeconds(10))
				.until(() -> lines.stream().anyMatch((line) -> line.contains("hello from the feed test")));
			assertThat(lines).contains("event:activity");
		}
		finally {
			reader.interrupt();
			response.body().close();
		}
	}

	private static void readLines(InputStream body, BlockingQueue<String> lines) {
		try {
			StringBuilder line = new StringBuilder();
			int next;
			while ((next = body.read()) >= 0) {
				if (next == '\n') {
					lines.add(line.toString());
					line.setLength(0);
				}
				else {
					line.append((char) next);
				}
			}
		}
		catch (IOException ex) {
			// closed by the test
		}
	}

	private JsonNode todo(long id) {
		JsonNode todos = this.http.get().uri("/api/todos").retrieve().body(JsonNode.class);
		return stream(todos).filter((todo) -> todo.get("id").asLong() == id).findFirst().orElse(MissingNode.getInstance());
	}

	private static Stream<JsonNode> stream(JsonNode array) {
		return array.valueStream();
	}

}
