package dev.pgcdc.autoconfigure.endpoint;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import dev.pgcdc.CdcSubscription;
import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.stream.CdcTableNotFoundException;
import dev.pgcdc.dispatch.HandlerDefinition;
import dev.pgcdc.dispatch.HandlerMethod;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.dispatch.HandlerStats;
import dev.pgcdc.live.LiveQueries;
import dev.pgcdc.event.TableName;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.SlotHealth;
import dev.pgcdc.replication.StreamLag;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.replication.StreamStatus;
import dev.pgcdc.snapshot.SnapshotAlreadyRunningException;
import dev.pgcdc.snapshot.SnapshotStatus;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * The {@code cdc} endpoint: the stream's state and lag, each subscription and each handler
 * ({@code GET}); one subscription ({@code GET /{table}}); enable, disable or add a table
 * ({@code POST /{table}} with {@code {"enabled": true|false}}); remove a table
 * ({@code DELETE /{table}}); start or cancel an incremental snapshot of a table
 * ({@code POST /{table}} with {@code {"snapshot": true|false}}; each subscription shows its latest
 * snapshot). Read-only unless {@code management.endpoint.cdc.access=unrestricted}.
 * <p>
 * Tables are written as in {@code cdc.tables} ({@code users}, {@code sales.orders}); a name
 * that is not a valid identifier is a 400 and never reaches SQL, an unknown table a 404.
 */
@Endpoint(id = "cdc", defaultAccess = Access.READ_ONLY)
public class CdcEndpoint {

	private final CdcSubscriptions subscriptions;

	private final HandlerRegistry registry;

	private final Supplier<@Nullable ChangeStream> stream;

	private volatile @Nullable Supplier<LiveQueries.Status> live;

	/**
	 * Create the endpoint.
	 * @param subscriptions the runtime control
	 * @param registry the handlers
	 * @param stream the stream, {@code null} while none is created
	 */
	public CdcEndpoint(CdcSubscriptions subscriptions, HandlerRegistry registry,
			Supplier<@Nullable ChangeStream> stream) {
		this.subscriptions = subscriptions;
		this.registry = registry;
		this.stream = stream;
	}

	/**
	 * Report the open live queries and SSE clients too.
	 * @param live their status
	 */
	public void setLiveQueries(Supplier<LiveQueries.Status> live) {
		this.live = live;
	}

	/** @return the stream, every subscription and every handler */
	@ReadOperation
	public CdcDescriptor status() {
		ChangeStream current = this.stream.get();
		StreamStatus status = (current != null) ? current.status() : null;
		StreamLag lag = (current != null) ? current.lag() : StreamLag.UNKNOWN;
		SlotHealth slotHealth = (current != null) ? current.slotHealth() : SlotHealth.UNKNOWN;
		Map<String, SubscriptionDescriptor> subscriptions = new LinkedHashMap<>();
		this.subscriptions.list().forEach((subscription) -> subscriptions.put(subscription.table(),
				describe(subscription)));
		Map<String, HandlerDescriptor> handlers = new LinkedHashMap<>();
		this.registry.handlers().forEach((handler) -> handlers.put(handler.id(), HandlerDescriptor.of(handler)));
		if (status == null) {
			return new CdcDescriptor(StreamState.STOPPED, null, false, null, null, null, null, LagDescriptor.of(lag),
					SlotDescriptor.of(slotHealth), 0, 0, 0, null, subscriptions, handlers, live());
		}
		return new CdcDescriptor(status.state(), status.slot(), status.durable(), status.publication(),
				status.serverVersion(), status.receivedLsn(), status.flushedLsn(), LagDescriptor.of(lag),
				SlotDescriptor.of(slotHealth), status.transactions(), status.events(), status.reconnects(),
				ErrorDescriptor.of(status.lastError(), status.lastErrorTime()), subscriptions, handlers, live());
	}

	private LiveQueries.@Nullable Status live() {
		Supplier<LiveQueries.Status> current = this.live;
		return (current != null) ? current.get() : null;
	}

	/**
	 * @param table a table name
	 * @return its subscription, {@code null} (404) when it is not subscribed
	 */
	@ReadOperation
	public @Nullable SubscriptionDescriptor subscription(@Selector String table) {
		Optional<CdcSubscription> subscription = this.subscriptions.get(parse(table));
		return subscription.map(this::describe).orElse(null);
	}

	private SubscriptionDescriptor describe(CdcSubscription subscription) {
		// by the same text as CdcSubscription.table(): names such as "Audit Log" do not parse unquoted
		SnapshotStatus snapshot = null;
		for (SnapshotStatus status : this.subscriptions.snapshots()) {
			if (status.table().equals(subscription.table())) {
				snapshot = status;
			}
		}
		return SubscriptionDescriptor.of(subscription, (snapshot != null) ? SnapshotDescriptor.of(snapshot) : null);
	}

	/**
	 * Enable or disable a table; enabling a table that is not subscribed adds it to the
	 * subscription and the publication. Or start ({@code "snapshot": true}) or cancel
	 * ({@code false}) an incremental snapshot of it.
	 * @param table a table name
	 * @param enabled whether its events are dispatched: a JSON boolean, as {@code Object} so
	 * that Actuator's lenient conversion ({@code "no"}, {@code 0}...) does not apply
	 * @param snapshot whether to start or cancel a snapshot: a JSON boolean
	 * @return the subscription (200), or 400 when {@code enabled} is not a JSON boolean, 404 for
	 * an unknown table, 400 for a table that cannot be published, 503 when the stream is not
	 * running; for a snapshot its status (200), 404 for a table not subscribed, 400 for one
	 * without primary key (or a server refusing the watermark), 409 when one is already running
	 */
	@WriteOperation
	public WebEndpointResponse<?> configure(@Selector String table, @Nullable Object enabled,
			@Nullable Object snapshot) {
		TableName name = parse(table);
		try {
			if (snapshot != null && enabled == null) {
				return snapshot(name, EndpointArguments.requireBoolean("snapshot", snapshot));
			}
			if (enabled == null) {
				return new WebEndpointResponse<>(new MessageDescriptor("Send {\"enabled\": true|false} or"
						+ " {\"snapshot\": true|false}, one of them"), WebEndpointResponse.STATUS_BAD_REQUEST);
			}
			boolean enable = EndpointArguments.requireBoolean("enabled", enabled);
			CdcSubscription subscription;
			if (!enable) {
				subscription = this.subscriptions.disable(name);
			}
			else if (this.subscriptions.get(name).isPresent()) {
				subscription = this.subscriptions.enable(name);
			}
			else {
				subscription = this.subscriptions.add(name);
			}
			return new WebEndpointResponse<>(describe(subscription));
		}
		catch (RuntimeException ex) {
			return failure(ex);
		}
	}

	private WebEndpointResponse<?> snapshot(TableName name, boolean start) {
		if (start) {
			return new WebEndpointResponse<>(SnapshotDescriptor.of(this.subscriptions.snapshot(name)));
		}
		Optional<SnapshotStatus> cancelled = this.subscriptions.cancelSnapshot(name);
		if (cancelled.isEmpty()) {
			return new WebEndpointResponse<>(new MessageDescriptor("No snapshot of " + name + " to cancel"),
					WebEndpointResponse.STATUS_NOT_FOUND);
		}
		return new WebEndpointResponse<>(SnapshotDescriptor.of(cancelled.get()));
	}

	/**
	 * Pause or resume dispatch of the whole stream ({@link CdcSubscriptions#pause()},
	 * {@link CdcSubscriptions#resume()}).
	 * @param state {@code PAUSED} or {@code STREAMING}
	 * @return the stream's status (200), 400 for another state, 503 when the stream is not running
	 */
	@WriteOperation
	public WebEndpointResponse<?> control(String state) {
		try {
			if (StreamState.PAUSED.name().equals(state)) {
				this.subscriptions.pause();
			}
			else if (StreamState.STREAMING.name().equals(state)) {
				this.subscriptions.resume();
			}
			else {
				return new WebEndpointResponse<>(new MessageDescriptor("Invalid state '" + state
						+ "': send {\"state\": \"PAUSED\"} or {\"state\": \"STREAMING\"}"),
						WebEndpointResponse.STATUS_BAD_REQUEST);
			}
			return new WebEndpointResponse<>(status());
		}
		catch (RuntimeException ex) {
			return failure(ex);
		}
	}

	/**
	 * Remove a table from the subscription and the publication.
	 * @param table a table name
	 * @return 204, or 404 for a table that is not subscribed, 503 when the stream is not running
	 */
	@DeleteOperation
	public WebEndpointResponse<?> remove(@Selector String table) {
		TableName name = parse(table);
		try {
			this.subscriptions.remove(name);
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NO_CONTENT);
		}
		catch (RuntimeException ex) {
			return failure(ex);
		}
	}

	private static TableName parse(String table) {
		try {
			return TableName.parse(table);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidEndpointRequestException(
					Objects.requireNonNullElse(ex.getMessage(), "Invalid table name " + table), "Invalid table name");
		}
	}

	private static WebEndpointResponse<?> failure(RuntimeException ex) {
		int status;
		if (ex instanceof SnapshotAlreadyRunningException) {
			status = 409;
		}
		else if (ex instanceof CdcTableNotFoundException) {
			status = WebEndpointResponse.STATUS_NOT_FOUND;
		}
		else if (ex instanceof CdcConfigurationException || ex instanceof InvalidEndpointRequestException) {
			status = WebEndpointResponse.STATUS_BAD_REQUEST;
		}
		else if (ex instanceof IllegalStateException) {
			status = WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE;
		}
		else {
			throw ex;
		}
		return new WebEndpointResponse<>(new MessageDescriptor(String.valueOf(ex.getMessage())), status);
	}

	/**
	 * The stream, its subscriptions and handlers.
	 *
	 * @param state the stream's state
	 * @param slot the replication slot
	 * @param durable whether the slot is permanent
	 * @param publication the publication
	 * @param serverVersion the server's version, once connected
	 * @param receivedLsn the last position received from the server
	 * @param flushedLsn the last position handled and acknowledged
	 * @param lag how far behind the server the stream is
	 * @param slotHealth the replication slot as the server last described it
	 * @param transactions transactions handled since start
	 * @param events events handled since start
	 * @param reconnects reconnects since start
	 * @param lastError the stream's last error, if any
	 * @param subscriptions each subscribed table, by name
	 * @param handlers each handler, by id
	 */
	public record CdcDescriptor(StreamState state, @Nullable String slot, boolean durable, @Nullable String publication,
			@Nullable String serverVersion, @Nullable String receivedLsn, @Nullable String flushedLsn,
			LagDescriptor lag, SlotDescriptor slotHealth, long transactions, long events, long reconnects, @Nullable ErrorDescriptor lastError,
			Map<String, SubscriptionDescriptor> subscriptions, Map<String, HandlerDescriptor> handlers,
			LiveQueries.@Nullable Status live) {
	}

	/**
	 * How far behind the server the stream is.
	 *
	 * @param bytes WAL written beyond the flushed position, {@code null} when unknown
	 * @param millis {@code 0} when everything received is handled, else milliseconds since
	 * the commit of the last handled transaction; {@code null} when unknown
	 */
	public record LagDescriptor(@Nullable Long bytes, @Nullable Long millis) {

		static LagDescriptor of(StreamLag lag) {
			return new LagDescriptor(lag.bytes(), (lag.time() != null) ? lag.time().toMillis() : null);
		}

	}

	/**
	 * The replication slot as the server last described it ({@code pg_replication_slots}).
	 *
	 * @param walStatus {@code reserved}, {@code extended}, {@code unreserved} or {@code lost};
	 * {@code null} when unknown
	 * @param safeWalSize bytes of WAL that can still be written before the slot is in danger of
	 * invalidation; {@code null} when unlimited or unknown
	 * @param invalidationReason why the server invalidated the slot; {@code null} while it is valid
	 * @param retainedBytes WAL the slot holds on the server; {@code null} when unknown
	 */
	public record SlotDescriptor(@Nullable String walStatus, @Nullable Long safeWalSize,
			@Nullable String invalidationReason, @Nullable Long retainedBytes) {

		static SlotDescriptor of(SlotHealth slot) {
			return new SlotDescriptor(slot.walStatus(), slot.safeWalSize(), slot.invalidationReason(),
					slot.retainedBytes());
		}

	}

	/**
	 * An error and when it happened.
	 *
	 * @param message the error
	 * @param time when it happened
	 */
	public record ErrorDescriptor(String message, @Nullable Instant time) {

		static @Nullable ErrorDescriptor of(@Nullable String message, @Nullable Instant time) {
			return (message != null) ? new ErrorDescriptor(message, time) : null;
		}

	}

	/**
	 * One subscribed table.
	 *
	 * @param table the table, {@code schema.name}
	 * @param enabled whether its events are dispatched
	 * @param events events dispatched since start (while enabled)
	 * @param ignored events acknowledged without dispatch while disabled
	 * @param filtered events skipped by the table's own filters
	 * @param lastEventTime commit time of the last event dispatched
	 * @param handlers ids of the handlers watching it
	 * @param snapshot its latest snapshot, {@code null} when it had none
	 */
	public record SubscriptionDescriptor(String table, boolean enabled, long events, long ignored, long filtered,
			@Nullable Instant lastEventTime, List<String> handlers, @Nullable SnapshotDescriptor snapshot) {

		static SubscriptionDescriptor of(CdcSubscription subscription, @Nullable SnapshotDescriptor snapshot) {
			return new SubscriptionDescriptor(subscription.table(), subscription.enabled(), subscription.events(),
					subscription.ignored(), subscription.filtered(), subscription.lastEventTime(),
					subscription.handlers(), snapshot);
		}

	}

	/**
	 * A table's latest snapshot.
	 *
	 * @param state {@code QUEUED}, {@code RUNNING}, {@code DONE}, {@code CANCELLED} or {@code FAILED}
	 * @param rowsRead rows read so far
	 * @param rowsEstimated the planner's estimate of the table's rows
	 * @param percent rows read of the estimate, at most 100 ({@code null} without an estimate)
	 * @param rowsPerSecond rows read per second since it started
	 * @param etaSeconds estimated seconds left at that rate, {@code null} when not running
	 * @param startedAt when it was requested
	 * @param finishedAt when it ended
	 * @param lastError why it failed
	 */
	public record SnapshotDescriptor(SnapshotStatus.State state, long rowsRead, long rowsEstimated,
			@Nullable Integer percent, long rowsPerSecond, @Nullable Long etaSeconds, Instant startedAt,
			@Nullable Instant finishedAt, @Nullable String lastError) {

		static SnapshotDescriptor of(SnapshotStatus status) {
			Instant now = Instant.now();
			Integer percent = (status.state() == SnapshotStatus.State.DONE) ? Integer.valueOf(100)
					: (status.rowsEstimated() > 0)
							? Integer.valueOf((int) Math.min(100, status.rowsRead() * 100 / status.rowsEstimated()))
							: null;
			java.time.Duration eta = status.eta(now);
			return new SnapshotDescriptor(status.state(), status.rowsRead(), status.rowsEstimated(), percent,
					Math.round(status.rate(now)), (eta != null) ? eta.toSeconds() : null, status.startedAt(),
					status.finishedAt(), status.lastError());
		}

	}

	/**
	 * One handler method.
	 *
	 * @param method the bean and method
	 * @param tables the tables it names; empty for every subscribed table
	 * @param messagePrefix for a message handler, its prefix ({@code ""} for all)
	 * @param invocations calls, retries included
	 * @param failures calls that threw, retries included
	 * @param skipped events given up on under the SKIP error policy
	 * @param filtered events its filters skipped
	 * @param lastError its last error, if any
	 */
	public record HandlerDescriptor(String method, List<String> tables, @Nullable String messagePrefix,
			long invocations, long failures, long skipped, long filtered, @Nullable ErrorDescriptor lastError) {

		static HandlerDescriptor of(HandlerMethod handler) {
			HandlerDefinition definition = handler.definition();
			HandlerStats stats = handler.stats();
			List<String> tables = new ArrayList<>();
			definition.tables().stream().sorted().forEach((table) -> tables.add(table.toString()));
			return new HandlerDescriptor(definition.description(), tables, definition.messagePrefix(),
					stats.invocations(), stats.failures(), stats.skipped(), stats.filtered(),
					ErrorDescriptor.of(stats.lastError(), stats.lastErrorTime()));
		}

	}

	/**
	 * Why a request could not be served.
	 *
	 * @param message what is wrong and what to do
	 */
	public record MessageDescriptor(String message) {
	}

}
