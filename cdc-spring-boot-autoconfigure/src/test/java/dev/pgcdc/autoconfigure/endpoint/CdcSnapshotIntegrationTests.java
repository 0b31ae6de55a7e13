package dev.pgcdc.autoconfigure.endpoint;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.annotation.OnEvent;
import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.annotation.OnSnapshot;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import io.micrometer.core.instrument.MeterRegistry;
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
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Snapshots through the starter: {@code cdc.snapshot.mode=initial} at start-up, one on demand
 * over HTTP, {@code @OnSnapshot} and {@code @OnEvent} receive the rows and {@code @OnInsert} does
 * not, the status in {@code GET /actuator/cdc}, the meter, and the endpoint's refusals.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"spring.application.name=snapshot-endpoint-test", "cdc.tables=plain,nokey", "cdc.snapshot.mode=initial",
		"cdc.snapshot.chunk-size=7", "cdc.table.nokey.snapshot=false", "cdc.table.plain.snapshot=false",
		"management.endpoints.web.exposure.include=health,cdc,metrics",
		"management.endpoint.cdc.access=unrestricted" })
@DirtiesContext
class CdcSnapshotIntegrationTests {

	private static final TestDatabase database = createDatabase();

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private Handlers handlers;

	@Autowired
	private CdcSubscriptions subscriptions;

	@Autowired
	private MeterRegistry meters;

	private static TestDatabase createDatabase() {
		TestDatabase database = TestPostgres.createDatabase("snapshot_endpoint");
		database.execute("CREATE TABLE products (id int PRIMARY KEY, name text)",
				"INSERT INTO products SELECT g, 'p' || g FROM generate_series(1, 50) g",
				"CREATE TABLE plain (id int PRIMARY KEY)", "INSERT INTO plain SELECT generate_series(1, 20)",
				"CREATE TABLE nokey (v int)");
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
	void initialSnapshotReachesOnSnapshotAndOnEventButNotOnInsert() throws Exception {
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(this.subscriptions.snapshotStatus("products").orElseThrow().state().name())
				.isEqualTo("DONE"));
		assertThat(this.subscriptions.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
		assertThat(this.handlers.snapshotted).hasSize(50);
		assertThat(this.handlers.everyEvent.get()).isGreaterThanOrEqualTo(50);
		assertThat(this.handlers.inserted).isEmpty();
		JsonNode products = get("/actuator/cdc").body().get("subscriptions").get("public.products").get("snapshot");
		assertThat(products.get("state").asString()).isEqualTo("DONE");
		assertThat(products.get("rowsRead").asLong()).isEqualTo(50);
		assertThat(products.get("percent").asInt()).isEqualTo(100);
		assertThat(this.meters.get("cdc.snapshot.rows").tag("table", "public.products").counter().count())
			.isGreaterThanOrEqualTo(50);
		assertThat(get("/actuator/cdc").body().get("subscriptions").get("public.plain").get("snapshot").isNull())
			.as("cdc.table.plain.snapshot=false").isTrue();
	}

	@Test
	void snapshotOnDemandOverHttpAndItsRefusals() throws Exception {
		Response started = post("/actuator/cdc/plain", "{\"snapshot\": true}");
		assertThat(started.status()).isEqualTo(200);
		assertThat(started.body().get("state").asString()).isIn("QUEUED", "RUNNING", "DONE");
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(get("/actuator/cdc/plain").body().get("snapshot").get("state").asString())
				.isEqualTo("DONE"));
		assertThat(get("/actuator/cdc/plain").body().get("snapshot").get("rowsRead").asLong()).isEqualTo(20);
		assertThat(post("/actuator/cdc/nokey", "{\"snapshot\": true}").status()).isEqualTo(400);
		assertThat(post("/actuator/cdc/nokey", "{\"snapshot\": true}").body().get("message").asString())
			.contains("primary key");
		assertThat(post("/actuator/cdc/not_subscribed", "{\"snapshot\": true}").status()).isEqualTo(404);
		assertThat(post("/actuator/cdc/plain", "{\"snapshot\": \"yes\"}").status()).isEqualTo(400);
		assertThat(post("/actuator/cdc/plain", "{}").status()).isEqualTo(400);
		this.subscriptions.pause();
		try {
			assertThat(post("/actuator/cdc/products", "{\"snapshot\": true}").status()).isEqualTo(200);
			assertThat(post("/actuator/cdc/products", "{\"snapshot\": true}").status()).isEqualTo(409);
			Response cancelled = post("/actuator/cdc/products", "{\"snapshot\": false}");
			assertThat(cancelled.status()).isEqualTo(200);
			assertThat(cancelled.body().get("state").asString()).isEqualTo("CANCELLED");
		}
		finally {
			this.subscriptions.resume();
		}
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	Response get(String path) throws IOException, InterruptedException {
		return send(HttpRequest.newBuilder(uri(path)).GET());
	}

	Response post(String path, String body) throws IOException, InterruptedException {
		return send(HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body)));
	}

	private Response send(HttpRequest.Builder request) throws IOException, InterruptedException {
		HttpResponse<String> response = this.http.send(request.build(),
				HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
		String body = response.body();
		return new Response(response.statusCode(), (body == null || body.isEmpty()) ? json.nullNode() : json.readTree(body));
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

		@Bean
		DisposableBean dropDatabase() {
			return database::close;
		}

	}

	static class Handlers {

		final Set<Integer> snapshotted = ConcurrentHashMap.newKeySet();

		final Set<Integer> inserted = ConcurrentHashMap.newKeySet();

		final AtomicInteger everyEvent = new AtomicInteger();

		record Product(int id, String name) {
		}

		@OnSnapshot(table = "products")
		void snapshot(Product product) {
			this.snapshotted.add(product.id());
		}

		@OnInsert(table = "products")
		void insert(ChangeEvent event) {
			this.inserted.add((Integer) event.newRecord().get("id"));
		}

		@OnEvent(table = "products")
		void every(ChangeEvent event) {
			if (event.operation() == Operation.SNAPSHOT) {
				this.everyEvent.incrementAndGet();
			}
		}

	}

}
