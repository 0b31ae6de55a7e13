package dev.pgcdc.sample.control;

import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import dev.pgcdc.CdcSubscription;
import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.snapshot.SnapshotAlreadyRunningException;
import dev.pgcdc.snapshot.SnapshotStatus;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.CdcTableNotFoundException;
import dev.pgcdc.sample.control.ServerView.PublishedTable;
import dev.pgcdc.sample.control.ServerView.Slot;

/**
 * What the page's "Subscriptions" panel shows and switches, through the starter's
 * {@link CdcSubscriptions} bean: {@code GET /api/cdc}, and {@code POST /api/cdc/{table}} with
 * {@code {"enabled": false}} to stop dispatching a table's changes from its next transaction
 * on; {@code POST /api/cdc/{table}/snapshot} starts an incremental snapshot of it (its rows
 * arrive as SNAPSHOT events, its progress in the overview). The page reads the stream's state
 * and lag from the {@code cdc} Actuator endpoint.
 */
@RestController
@RequestMapping("/api/cdc")
class SubscriptionController {

	private final CdcSubscriptions subscriptions;

	private final ServerView server;

	SubscriptionController(CdcSubscriptions subscriptions, ServerView server) {
		this.subscriptions = subscriptions;
		this.server = server;
	}

	@GetMapping
	Overview overview() {
		return new Overview(this.subscriptions.list(), this.subscriptions.snapshots(), this.server.slots(),
				this.server.publishedTables());
	}

	@PostMapping("/{table}/snapshot")
	SnapshotStatus snapshot(@PathVariable String table) {
		try {
			return this.subscriptions.snapshot(table);
		}
		catch (CdcTableNotFoundException ex) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, ex.getMessage(), ex);
		}
		catch (SnapshotAlreadyRunningException ex) {
			throw new ResponseStatusException(HttpStatus.CONFLICT, ex.getMessage(), ex);
		}
		catch (CdcConfigurationException | IllegalArgumentException ex) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, ex.getMessage(), ex);
		}
	}

	@PostMapping("/{table}")
	CdcSubscription enable(@PathVariable String table, @RequestBody Switch change) {
		try {
			return change.enabled() ? this.subscriptions.enable(table) : this.subscriptions.disable(table);
		}
		catch (CdcTableNotFoundException ex) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, ex.getMessage(), ex);
		}
		catch (IllegalArgumentException ex) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, ex.getMessage(), ex);
		}
	}

	/**
	 * The panel's data.
	 * @param subscriptions the subscribed tables, each with its dispatch state and counters
	 * @param snapshots the latest snapshot of each table that had one
	 * @param slots the server's logical slots in this database
	 * @param published the tables in the server's publications
	 */
	record Overview(List<CdcSubscription> subscriptions, List<SnapshotStatus> snapshots, List<Slot> slots,
			List<PublishedTable> published) {
	}

	/**
	 * The body of a switch request.
	 * @param enabled the wanted state
	 */
	record Switch(boolean enabled) {
	}

}
