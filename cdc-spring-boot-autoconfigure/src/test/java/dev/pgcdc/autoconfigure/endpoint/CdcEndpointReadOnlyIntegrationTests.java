package dev.pgcdc.autoconfigure.endpoint;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code cdc} endpoint with its default access, read-only: the state can be read, nothing
 * can be changed. The stream is not started, so no server is needed.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"spring.datasource.url=jdbc:postgresql://localhost:1/none", "cdc.auto-startup=false", "cdc.tables=users",
		"management.endpoints.web.exposure.include=cdc" })
@DirtiesContext
class CdcEndpointReadOnlyIntegrationTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void readsButRefusesWrites() throws Exception {
		HttpResponse<String> status = send(HttpRequest.newBuilder(uri("/actuator/cdc")).GET());
		assertThat(status.statusCode()).isEqualTo(200);
		assertThat(status.body()).contains("\"state\":\"STOPPED\"");
		HttpResponse<String> post = send(HttpRequest.newBuilder(uri("/actuator/cdc/users"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"enabled\": false}")));
		assertThat(post.statusCode()).isEqualTo(405);
		HttpResponse<String> delete = send(HttpRequest.newBuilder(uri("/actuator/cdc/users")).DELETE());
		assertThat(delete.statusCode()).isEqualTo(405);
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class TestApplication {

	}

}
