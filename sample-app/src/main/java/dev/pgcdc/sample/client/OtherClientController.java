package dev.pgcdc.sample.client;

import java.sql.SQLException;
import java.util.List;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.pgcdc.sample.client.OtherClient.ClientStatement;

/**
 * {@code GET /api/other-client}: the statements; {@code POST /api/other-client/{name}}: run one.
 */
@RestController
@RequestMapping("/api/other-client")
class OtherClientController {

	private final OtherClient client;

	OtherClientController(OtherClient client) {
		this.client = client;
	}

	@GetMapping
	List<ClientStatement> statements() {
		return OtherClient.STATEMENTS;
	}

	@PostMapping("/{name}")
	ResponseEntity<ClientStatement> run(@PathVariable String name) throws SQLException {
		return ResponseEntity.of(this.client.run(name));
	}

}
