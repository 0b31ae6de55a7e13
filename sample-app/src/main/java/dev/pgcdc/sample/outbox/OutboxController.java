package dev.pgcdc.sample.outbox;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/users/{id}/nudge}: a todo plus an outbox message, in one transaction.
 */
@RestController
class OutboxController {

	private final Nudges nudges;

	OutboxController(Nudges nudges) {
		this.nudges = nudges;
	}

	@PostMapping("/api/users/{id}/nudge")
	ResponseEntity<Long> nudge(@PathVariable long id) {
		return this.nudges.nudge(id)
			.map((todoId) -> ResponseEntity.status(HttpStatus.CREATED).body(todoId))
			.orElse(ResponseEntity.notFound().build());
	}

}
