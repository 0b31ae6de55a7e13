package dev.pgcdc.sample.control;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.pgcdc.sample.control.ServerView.PublishedTable;
import dev.pgcdc.sample.control.ServerView.Slot;

/**
 * What the page's "Subscriptions" panel shows and switches. A thin layer over the starter's
 * {@code CdcSubscriptions} bean, plus the server's own view of the slot.
 * <p>
 * Until the starter provides {@code CdcSubscriptions}, the tables come from {@code cdc.tables}
 * and switching answers {@code 501 Not Implemented}.
 */
@RestController
@RequestMapping("/api/cdc")
class SubscriptionController {

	private final ServerView server;

	private final List<String> tables;

	SubscriptionController(ServerView server, Environment environment) {
		this.server = server;
		this.tables = Binder.get(environment).bind("cdc.tables", String[].class).map(List::of).orElse(List.of());
	}

	@GetMapping
	Overview overview() {
		List<Subscription> subscriptions = this.tables.stream().map((table) -> new Subscription(table, null)).toList();
		return new Overview(false, null, subscriptions, this.server.slots(), this.server.publishedTables());
	}

	@PostMapping("/{table}")
	ResponseEntity<String> enable(@PathVariable String table, @RequestBody Switch change) {
		return ResponseEntity.status(HttpStatus.NOT_IMPLEMENTED)
			.body("Switching subscriptions needs the starter's CdcSubscriptions bean, which this build does not have yet");
	}

	/**
	 * The panel's data.
	 * @param controllable whether subscriptions can be switched
	 * @param state the stream state, when the starter reports it
	 * @param subscriptions the subscribed tables
	 * @param slots the server's logical slots in this database
	 * @param published the tables in the server's publications
	 */
	record Overview(boolean controllable, @Nullable String state, List<Subscription> subscriptions, List<Slot> slots,
			List<PublishedTable> published) {
	}

	/**
	 * One subscription.
	 * @param table the table
	 * @param enabled whether its events are dispatched, {@code null} when unknown
	 */
	record Subscription(String table, @Nullable Boolean enabled) {
	}

	/**
	 * The body of a switch request.
	 * @param enabled the wanted state
	 */
	record Switch(boolean enabled) {
	}

}
