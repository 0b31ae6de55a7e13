package dev.pgcdc.autoconfigure.endpoint;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.CdcSubscriptionChangedEvent;
import dev.pgcdc.annotation.OnEvent;
import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code cdc} endpoint, health indicator and meters over real HTTP, on a real PostgreSQL,
 * with write access.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"spring.application.name=ops-endpoint-test", "cdc.tables=marker",
		"management.endpoints.web.exposure.include=health,cdc,metrics",
		"management.endpoint.cdc.access=unrestricted", "management.endpoint.health.show-details=always" })
@DirtiesContext
class CdcEndpointIntegrationTests {

	private static final TestDatabase database = createDatabase();

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private Handlers handlers;

	private static TestDatabase createDatabase() {
		TestDatabase database = TestPostgres.createDatabase("ops_endpoint");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY)", "CREATE TABLE counted (id int PRIMARY KEY)",
				"CREATE TABLE marker (id serial PRIMARY KEY)", "CREATE TABLE extra (id int PRIMARY KEY)",
				"CREATE TABLE later (id int PRIMARY KEY)", "CREATE TABLE slow (id int PRIMARY KEY)", "CREATE TABLE \"Audit Log\" (id int PRIMARY KEY)", "CREATE VIEW a_view AS SELECT 1 AS one",
				"CREATE UNLOGGED TABLE scratch_rows (id int PRIMARY KEY)");
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
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(get("/actuator/cdc").body().get("state").asString()).isEqualTo("STREAMING"));
	}

	@Test
	void statusShowsTheStreamSubscriptionsAndHandlers() throws Exception {
		database.execute("INSERT INTO marker DEFAULT VALUES");
		await().untilAsserted(() -> assertThat(this.handlers.markers()).isPositive());
		await().untilAsserted(() -> assertThat(get("/actuator/cdc").body().get("flushedLsn").isString()).isTrue());
		Response response = get("/actuator/cdc");
		assertThat(response.status()).isEqualTo(200);
		JsonNode status = response.body();
		assertThat(status.get("slot").asString()).startsWith("ops_endpoint_test_slot");
		assertThat(status.get("publication").asString()).isEqualTo("ops_endpoint_test_publication");
		assertThat(status.get("serverVersion").asString()).isEqualTo(serverVersion());
		assertThat(status.get("receivedLsn").asString()).matches("[0-9A-F]+/[0-9A-F]+");
		assertThat(status.get("flushedLsn").asString()).matches("[0-9A-F]+/[0-9A-F]+");
		assertThat(status.get("lag").get("bytes").isIntegralNumber()).isTrue();
		assertThat(status.get("lag").get("bytes").asLong()).isNotNegative();
		assertThat(status.get("lag").get("millis").isIntegralNumber()).isTrue();
		// the slot's row in pg_replication_slots, asked in the background with the lag
		await().untilAsserted(() -> assertThat(get("/actuator/cdc").body().get("slotHealth").get("walStatus").asString())
			.isEqualTo("reserved"));
		JsonNode slot = get("/actuator/cdc").body().get("slotHealth");
		assertThat(slot.get("retainedBytes").asLong()).isPositive();
		assertThat(slot.get("invalidationReason").isNull()).isTrue();
		assertThat(status.get("events").asLong()).isPositive();
		assertThat(status.get("subscriptions").propertyNames()).contains("public.orders", "public.counted",
				"public.marker");
		JsonNode marker = status.get("subscriptions").get("public.marker");
		assertThat(marker.get("enabled").asBoolean()).isTrue();
		assertThat(marker.get("events").asLong()).isPositive();
		assertThat(marker.get("handlers").valueStream().map(JsonNode::asString)).containsExactly("all");
		JsonNode orders = status.get("handlers").get("orders");
		assertThat(orders.get("tables").valueStream().map(JsonNode::asString)).containsExactly("public.orders");
		assertThat(orders.get("method").asString()).contains("onOrder");
		assertThat(orders.get("failures").asLong()).isZero();
		assertThat(status.get("handlers").get("all").get("invocations").asLong()).isPositive();
	}

	@Test
	void oneSubscription() throws Exception {
		Response orders = get("/actuator/cdc/orders");
		assertThat(orders.status()).isEqualTo(200);
		assertThat(orders.body().get("table").asString()).isEqualTo("public.orders");
		assertThat(orders.body().get("enabled").asBoolean()).isTrue();
		assertThat(get("/actuator/cdc/public.orders").body().get("table").asString()).isEqualTo("public.orders");
		assertThat(get("/actuator/cdc/nothing_here").status()).isEqualTo(404);
	}

	@Test
	void disableStopsDispatchAndEnableResumesIt() throws Exception {
		Response disabled = post("/actuator/cdc/orders", "{\"enabled\": false}");
		assertThat(disabled.status()).isEqualTo(200);
		assertThat(disabled.body().get("enabled").asBoolean()).isFalse();
		int markers = this.handlers.markers();
		database.execute("INSERT INTO orders VALUES (1), (2)", "INSERT INTO orders VALUES (3)",
				"INSERT INTO marker DEFAULT VALUES");
		// transactions are dispatched in commit order: once the marker arrived, the orders were passed over
		await().untilAsserted(() -> assertThat(this.handlers.markers()).isEqualTo(markers + 1));
		assertThat(this.handlers.orders).isEmpty();
		assertThat(get("/actuator/cdc/orders").body().get("ignored").asLong()).isEqualTo(3);

		assertThat(post("/actuator/cdc/orders", "{\"enabled\": true}").body().get("enabled").asBoolean()).isTrue();
		database.execute("INSERT INTO orders VALUES (4)");
		await().untilAsserted(() -> assertThat(this.handlers.orders).containsExactly(4));
		assertThat(this.handlers.subscriptionChanges).containsSubsequence("public.orders DISABLED",
				"public.orders ENABLED");
	}

	@Test
	void pauseHoldsDispatchAndStreamingResumesIt() throws Exception {
		assertThat(post("/actuator/cdc", "{\"state\": \"SLEEPING\"}").status()).isEqualTo(400);
		Response paused = post("/actuator/cdc", "{\"state\": \"PAUSED\"}");
		assertThat(paused.status()).isEqualTo(200);
		await().untilAsserted(() -> assertThat(get("/actuator/cdc").body().get("state").asString()).isEqualTo("PAUSED"));
		int markers = this.handlers.markers();
		database.execute("INSERT INTO marker DEFAULT VALUES");
		// the change is received and held: nothing reaches handlers while paused
		await().during(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(this.handlers.markers()).isEqualTo(markers));
		Response resumed = post("/actuator/cdc", "{\"state\": \"STREAMING\"}");
		assertThat(resumed.status()).isEqualTo(200);
		await().untilAsserted(() -> assertThat(this.handlers.markers()).isEqualTo(markers + 1));
		await().untilAsserted(() -> assertThat(get("/actuator/cdc").body().get("state").asString()).isEqualTo("STREAMING"));
	}

	@Test
	void enabledTakesJsonBooleansOnly() throws Exception {
		for (String value : List.of("\"no\"", "\"off\"", "0", "\" false \"", "1", "\"yes\"", "\"TRUE\"", "\"\"")) {
			Response response = post("/actuator/cdc/orders", "{\"enabled\": " + value + "}");
			assertThat(response.status()).as(value).isEqualTo(400);
			assertThat(response.body().get("message").asString()).as(value)
				.contains("'enabled' must be a JSON boolean, true or false");
		}
		assertThat(post("/actuator/cdc/orders", "{\"enabled\": null}").status()).isEqualTo(400);
		assertThat(post("/actuator/cdc/orders", "{\"enabled\": [true]}").status()).isEqualTo(400);
		// nothing was changed by the rejected requests
		assertThat(get("/actuator/cdc/orders").body().get("enabled").asBoolean()).isTrue();
		assertThat(post("/actuator/cdc/orders", "{\"enabled\": false}").body().get("enabled").asBoolean()).isFalse();
		assertThat(post("/actuator/cdc/orders", "{\"enabled\": true}").body().get("enabled").asBoolean()).isTrue();
		// Actuator's MVC adapter reads the body as Map<String, String>: true and "true" arrive alike
		Response quoted = post("/actuator/cdc/orders", "{\"enabled\": \"true\"}");
		assertThat(quoted.status()).isEqualTo(200);
		assertThat(quoted.body().get("enabled").asBoolean()).isTrue();
	}

	@Test
	void aNewTableIsAddedWhileStreamingAndRemovedAgain() throws Exception {
		assertThat(get("/actuator/cdc/extra").status()).isEqualTo(404);
		database.execute("INSERT INTO extra VALUES (1)", "INSERT INTO marker DEFAULT VALUES");

		Response added = post("/actuator/cdc/extra", "{\"enabled\": true}");
		assertThat(added.status()).isEqualTo(200);
		assertThat(added.body().get("table").asString()).isEqualTo("public.extra");
		assertThat(added.body().get("handlers").valueStream().map(JsonNode::asString)).containsExactly("all");
		assertThat(published("public.extra")).isTrue();
		assertThat(replicaIdentity("extra")).isEqualTo("f");
		database.execute("INSERT INTO extra VALUES (2)");
		// the table-less handler receives the new table's events, without a restart
		await().untilAsserted(() -> assertThat(this.handlers.all).contains("INSERT extra 2"));
		assertThat(this.handlers.all).doesNotContain("INSERT extra 1");
		assertThat(this.handlers.subscriptionChanges).contains("public.extra ADDED");

		Response removed = delete("/actuator/cdc/extra");
		assertThat(removed.status()).isEqualTo(204);
		assertThat(published("public.extra")).isFalse();
		assertThat(get("/actuator/cdc/extra").status()).isEqualTo(404);
		int markers = this.handlers.markers();
		database.execute("INSERT INTO extra VALUES (3)", "INSERT INTO marker DEFAULT VALUES");
		await().untilAsserted(() -> assertThat(this.handlers.markers()).isEqualTo(markers + 1));
		assertThat(this.handlers.all).doesNotContain("INSERT extra 3");
		assertThat(this.handlers.subscriptionChanges).contains("public.extra REMOVED");
	}

	@Test
	void lagGrowsWhileAHandlerIsBusyAndReturnsToZero() throws Exception {
		database.execute("INSERT INTO marker DEFAULT VALUES");
		await().untilAsserted(() -> assertThat(get("/actuator/cdc").body().get("lag").get("millis").asLong()).isZero());
		try {
			database.execute("INSERT INTO slow VALUES (1)", "INSERT INTO marker DEFAULT VALUES");
			await().untilAsserted(() -> assertThat(this.handlers.slowEntered.getCount()).isZero());
			await().untilAsserted(() -> {
				JsonNode lag = get("/actuator/cdc").body().get("lag");
				assertThat(lag.get("bytes").asLong()).isPositive();
				assertThat(lag.get("millis").asLong()).isPositive();
			});
			// health shows the lag measured in the background: the next checks see it
			await().untilAsserted(() -> {
				JsonNode health = get("/actuator/health/cdc").body();
				assertThat(health.get("status").asString()).isEqualTo("UP");
				JsonNode lagBytes = health.get("details").get("lagBytes");
				assertThat(lagBytes).as("lagBytes, once measured").isNotNull();
				assertThat(lagBytes.asLong()).isPositive();
			});
			await().untilAsserted(() -> assertThat(metric("cdc.lag.bytes")).isPositive());
		}
		finally {
			this.handlers.slowRelease.countDown();
		}
		await().untilAsserted(() -> assertThat(get("/actuator/cdc").body().get("lag").get("millis").asLong()).isZero());
	}

	@Test
	void quotedNamesAreTakenLiterally() throws Exception {
		String path = "/actuator/cdc/%22Audit%20Log%22";
		Response added = post(path, "{\"enabled\": true}");
		assertThat(added.status()).isEqualTo(200);
		assertThat(added.body().get("table").asString()).isEqualTo("public.Audit Log");
		assertThat(published("public.Audit Log")).isTrue();
		assertThat(get(path).body().get("enabled").asBoolean()).isTrue();
		assertThat(delete(path).status()).isEqualTo(204);
		assertThat(published("public.Audit Log")).isFalse();
	}

	@Test
	void unknownAndInvalidTables() throws Exception {
		assertThat(delete("/actuator/cdc/later").status()).isEqualTo(404);
		assertThat(post("/actuator/cdc/later", "{\"enabled\": false}").status()).isEqualTo(404);
		Response missing = post("/actuator/cdc/no_such_table", "{\"enabled\": true}");
		assertThat(missing.status()).isEqualTo(404);
		assertThat(missing.body().get("message").asString()).contains("public.no_such_table does not exist");
		Response view = post("/actuator/cdc/a_view", "{\"enabled\": true}");
		assertThat(view.status()).isEqualTo(400);
		assertThat(view.body().get("message").asString()).contains("view");
		Response unlogged = post("/actuator/cdc/scratch_rows", "{\"enabled\": true}");
		assertThat(unlogged.status()).isEqualTo(400);
		assertThat(unlogged.body().get("message").asString()).contains("public.scratch_rows").contains("SET LOGGED");
		assertThat(post("/actuator/cdc/later", "{}").status()).isEqualTo(400);
		for (String invalid : List.of("a.b.c", "\"open", "orders; DROP TABLE orders", "1abc")) {
			String path = "/actuator/cdc/" + URLEncoder.encode(invalid, StandardCharsets.UTF_8).replace("+", "%20");
			assertThat(get(path).status()).as("GET %s", invalid).isEqualTo(400);
			assertThat(post(path, "{\"enabled\": true}").status()).as("POST %s", invalid).isEqualTo(400);
			assertThat(delete(path).status()).as("DELETE %s", invalid).isEqualTo(400);
		}
		assertThat(published("public.later")).isFalse();
		// the name with a statement in it reached no SQL
		assertThat(replicaIdentity("orders")).isEqualTo("f");
	}

	@Test
	void healthAndMetricsAfterAKnownNumberOfEvents() throws Exception {
		database.execute("INSERT INTO counted SELECT generate_series(1, 5)", "INSERT INTO counted VALUES (6)");
		await().untilAsserted(() -> assertThat(this.handlers.counted).hasSize(6));

		Response health = get("/actuator/health/cdc");
		assertThat(health.status()).isEqualTo(200);
		assertThat(health.body().get("status").asString()).isEqualTo("UP");
		assertThat(health.body().get("details").get("state").asString()).isEqualTo("STREAMING");
		assertThat(health.body().get("details").get("slot").asString()).startsWith("ops_endpoint_test_slot");
		await().untilAsserted(() -> assertThat(get("/actuator/health/cdc").body().get("details").get("walStatus"))
			.as("walStatus, once measured").isNotNull());
		JsonNode details = get("/actuator/health/cdc").body().get("details");
		assertThat(details.get("walStatus").asString()).isEqualTo("reserved");
		assertThat(details.get("retainedBytes").asLong()).isPositive();
		assertThat(details.has("invalidationReason")).as("only once invalidated").isFalse();

		await().untilAsserted(() -> assertThat(
				metric("cdc.events", "tag=table:public.counted", "tag=operation:INSERT")).isEqualTo(6.0));
		assertThat(metric("cdc.handler.duration", "tag=handler:counted", "tag=outcome:success")).isEqualTo(6.0);
		assertThat(get("/actuator/metrics/cdc.handler.duration?tag=handler:counted&tag=outcome:error").status())
			.isEqualTo(404);
		await().untilAsserted(() -> assertThat(metric("cdc.lag.bytes")).isNotNegative());
		assertThat(metric("cdc.lag.time")).isNotNegative();
		assertThat(metric("cdc.reconnects")).isZero();
		await().untilAsserted(() -> assertThat(metric("cdc.slot.retained.bytes")).isPositive());
		assertThat(get("/actuator/cdc/counted").body().get("events").asLong()).isEqualTo(6);
	}

	private double metric(String name, String... tags) throws Exception {
		String query = (tags.length > 0) ? "?" + String.join("&", tags) : "";
		Response response = get("/actuator/metrics/" + name + query);
		assertThat(response.status()).as(name).isEqualTo(200);
		for (JsonNode measurement : response.body().get("measurements")) {
			String statistic = measurement.get("statistic").asString();
			if (statistic.equals("COUNT") || statistic.equals("VALUE")) {
				return measurement.get("value").asDouble();
			}
		}
		throw new AssertionError("No COUNT or VALUE in " + response.body());
	}

	private boolean published(String table) throws SQLException {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection.prepareStatement(
						"SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND schemaname || '.' || tablename = ?")) {
			statement.setString(1, "ops_endpoint_test_publication");
			statement.setString(2, table);
			try (ResultSet rows = statement.executeQuery()) {
				return rows.next();
			}
		}
	}

	private String replicaIdentity(String table) throws SQLException {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection.prepareStatement(
						"SELECT relreplident FROM pg_class WHERE oid = to_regclass(?)")) {
			statement.setString(1, table);
			try (ResultSet rows = statement.executeQuery()) {
				assertThat(rows.next()).isTrue();
				return rows.getString(1);
			}
		}
	}

	Response get(String path) throws IOException, InterruptedException {
		return send(HttpRequest.newBuilder(uri(path)).GET());
	}

	Response post(String path, String body) throws IOException, InterruptedException {
		return send(HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body)));
	}

	Response delete(String path) throws IOException, InterruptedException {
		return send(HttpRequest.newBuilder(uri(path)).DELETE());
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	private Response send(HttpRequest.Builder request) throws IOException, InterruptedException {
		HttpResponse<String> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
		String body = response.body();
		return new Response(response.statusCode(), body.isEmpty() ? json.nullNode() : json.readTree(body));
	}

	record Response(int status, JsonNode body) {
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class TestApplication {

		@Bean
		Handlers handlers() {
			return new Handlers();
		}

		// destroyed after the stream stopped (lifecycle beans stop before destruction)
		@Bean
		DisposableBean dropDatabase() {
			return database::close;
		}

	}

	static class Handlers {

		final List<Integer> orders = Collections.synchronizedList(new ArrayList<>());

		final List<Integer> counted = Collections.synchronizedList(new ArrayList<>());

		final List<String> all = Collections.synchronizedList(new ArrayList<>());

		final List<String> subscriptionChanges = Collections.synchronizedList(new ArrayList<>());

		private volatile int markers;

		int markers() {
			return this.markers;
		}

		@OnInsert(table = "orders", id = "orders")
		void onOrder(ChangeEvent event) {
			this.orders.add(id(event));
		}

		@OnInsert(table = "counted", id = "counted")
		void onCounted(ChangeEvent event) {
			this.counted.add(id(event));
		}

		final CountDownLatch slowEntered = new CountDownLatch(1);

		final CountDownLatch slowRelease = new CountDownLatch(1);

		@OnInsert(table = "slow", id = "slow")
		void onSlow(ChangeEvent event) throws InterruptedException {
			this.slowEntered.countDown();
			// holds the dispatcher, so the stream falls behind; released by the test
			assertThat(this.slowRelease.await(60, TimeUnit.SECONDS)).isTrue();
		}

		@OnEvent(id = "all")
		void onAll(ChangeEvent event) {
			if (event.table().equals("marker")) {
				this.markers++;
			}
			Object id = (event.newRecord() != null) ? event.newRecord().get("id") : null;
			this.all.add(event.operation() + " " + event.table() + " " + id);
		}

		// the value type of an int column is the type registry's business, not this test's
		private static int id(ChangeEvent event) {
			return Integer.parseInt(String.valueOf(event.newRecord().get("id")));
		}

		@EventListener
		void subscriptionChanged(CdcSubscriptionChangedEvent event) {
			this.subscriptionChanges.add(event.getTable() + " " + event.getChange());
		}

	}

	private static String serverVersion() throws SQLException {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection.prepareStatement("SELECT current_setting('server_version')");
				ResultSet rows = statement.executeQuery()) {
			rows.next();
			// the endpoint shows the version as pgjdbc reports it: "17.11", not "17.11 (Debian ...)"
			return rows.getString(1).split(" ")[0];
		}
	}

}
