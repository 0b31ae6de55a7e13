package dev.pgcdc.autoconfigure.health;

import java.util.function.Supplier;

import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.SlotHealth;
import dev.pgcdc.replication.StreamLag;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.replication.StreamStatus;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * Health of the change stream: {@code UP} while streaming; {@code OUT_OF_SERVICE} when paused
 * or in standby (another instance holds the durable slot); {@code DOWN} when failed or
 * reconnecting (no changes arrive while the connection is lost); {@code UNKNOWN} while
 * starting, when stopped and when never started (no handlers and no {@code cdc.tables}, or
 * {@code cdc.auto-startup=false}): a stream that was not asked to run is not a fault, and
 * {@code UNKNOWN} leaves the application's aggregate health to its other indicators. Details:
 * state, slot, publication, lag, the slot's {@code walStatus}, {@code safeWalSize},
 * {@code retainedBytes} and (once the server invalidated it) {@code invalidationReason},
 * reconnects and the last error.
 * <p>
 * The lag and slot shown are the last ones measured in the background; a check finding them
 * older than a second starts a new measurement for the next check. Measuring asks the server,
 * and a health check must not wait for it.
 */
public class CdcHealthIndicator extends AbstractHealthIndicator {

	private final Supplier<@Nullable ChangeStream> stream;

	private final Supplier<StreamLag> lag;

	private final Supplier<SlotHealth> slot;

	/**
	 * @param stream the stream, {@code null} while none is created
	 * @param lag the stream's last measured lag, without waiting for the server (see
	 * {@link dev.pgcdc.autoconfigure.CdcStreamLifecycle#getLag()})
	 * @param slot the slot's last measured health, without waiting for the server (see
	 * {@link dev.pgcdc.autoconfigure.CdcStreamLifecycle#getSlotHealth()})
	 */
	public CdcHealthIndicator(Supplier<@Nullable ChangeStream> stream, Supplier<StreamLag> lag,
			Supplier<SlotHealth> slot) {
		super("CDC health check failed");
		this.stream = stream;
		this.lag = lag;
		this.slot = slot;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		ChangeStream current = this.stream.get();
		if (current == null) {
			builder.status(Status.UNKNOWN).withDetail("state", StreamState.STOPPED).withDetail("reason", "not started");
			return;
		}
		StreamStatus status = current.status();
		builder.status(status(status.state()))
			.withDetail("state", status.state())
			.withDetail("slot", status.slot())
			.withDetail("publication", status.publication());
		StreamLag lag = this.lag.get();
		if (lag.bytes() != null) {
			builder.withDetail("lagBytes", lag.bytes());
		}
		if (lag.time() != null) {
			builder.withDetail("lagMillis", lag.time().toMillis());
		}
		SlotHealth slot = this.slot.get();
		if (slot.walStatus() != null) {
			builder.withDetail("walStatus", slot.walStatus());
		}
		if (slot.safeWalSize() != null) {
			builder.withDetail("safeWalSize", slot.safeWalSize());
		}
		if (slot.retainedBytes() != null) {
			builder.withDetail("retainedBytes", slot.retainedBytes());
		}
		if (slot.invalidationReason() != null) {
			builder.withDetail("invalidationReason", slot.invalidationReason());
		}
		builder.withDetail("reconnects", status.reconnects());
		if (status.lastError() != null) {
			builder.withDetail("lastError", status.lastError());
			if (status.lastErrorTime() != null) {
				builder.withDetail("lastErrorTime", status.lastErrorTime().toString());
			}
		}
	}

	/**
	 * @param state a stream state
	 * @return its health status
	 */
	static Status status(StreamState state) {
		switch (state) {
			case STREAMING:
				return Status.UP;
			case STARTING:
			case STOPPED:
				// stopped on request (or with the application): not serving, but not a fault
				return Status.UNKNOWN;
			case PAUSED:
			case STANDBY:
				return Status.OUT_OF_SERVICE;
			default:
				// FAILED, RECONNECTING: changes are not arriving
				return Status.DOWN;
		}
	}

}
