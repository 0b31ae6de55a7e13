package dev.pgcdc.sample.control;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import dev.pgcdc.replication.StreamStatus;
import dev.pgcdc.sample.control.ServerView.PublishedTable;
import dev.pgcdc.sample.control.ServerView.Slot;
import dev.pgcdc.sample.control.StreamControl.Subscription;

/**
 * What the page's "Subscriptions" panel shows and switches: {@code GET /api/cdc} and
 * {@code POST /api/cdc/{table}} with {@code {"enabled": false}}. A thin layer over
 * {@link StreamControl}, plus the server's own view of the slot.
 */
@RestController
@RequestMapping("/api/cdc")
class SubscriptionController {

	private final StreamControl control;

	private final ServerView server;

	SubscriptionController(StreamControl control, ServerView server) {
		this.control = control;
		this.server = server;
	}

	@GetMapping
	Overview overview() {
		StreamStatus status = this.control.status().orElse(null);
		List<Slot> slots = this.server.slots();
		Long lagBytes = slots.stream()
			.filter((slot) -> status != null && slot.name().equals(status.slot()))
			.map(Slot::lagBytes)
			.findFirst()
			.orElse(null);
		return new Overview(true, (status != null) ? status.state().name() : null,
				(status != null) ? status.slot() : null, (status != null) ? status.flushedLsn() : null, lagBytes,
				this.control.subscriptions(), slots, this.server.publishedTables());
	}

	@PostMapping("/{table}")
	ResponseEntity<Void> enable(@PathVariable String table, @RequestBody Switch change) {
		boolean subscribed;
		try {
			subscribed = this.control.setEnabled(table, change.enabled());
		}
		catch (IllegalArgumentException ex) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, ex.getMessage(), ex);
		}
		return subscribed ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
	}

	/**
	 * The panel's data.
	 * @param controllable whether subscriptions can be switched
	 * @param state the stream state, once the stream has started
	 * @param slot the app's replication slot
	 * @param flushedLsn the last LSN the app confirmed as handled
	 * @param lagBytes WAL written after what the app confirmed, by the server's count
	 * @param subscriptions the subscribed tables
	 * @param slots the server's logical slots in this database
	 * @param published the tables in the server's publications
	 */
	record Overview(boolean controllable, @Nullable String state, @Nullable String slot, @Nullable String flushedLsn,
			@Nullable Long lagBytes, List<Subscription> subscriptions, List<Slot> slots,
			List<PublishedTable> published) {
	}

	/**
	 * The body of a switch request.
	 * @param enabled the wanted state
	 */
	record Switch(boolean enabled) {
	}

}
