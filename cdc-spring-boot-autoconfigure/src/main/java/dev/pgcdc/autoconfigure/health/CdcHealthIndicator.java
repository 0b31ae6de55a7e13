package dev.pgcdc.autoconfigure.health;

import java.util.function.Supplier;

import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.StreamLag;
import dev.pgcdc.replication.StreamState;
import dev.pgcdc.replication.StreamStatus;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * Health of the change stream: {@code UP} while streaming; {@code OUT_OF_SERVICE} when paused,
 * in standby (another instance holds the durable slot) or stopped; {@code DOWN} when failed or
 * reconnecting (no changes arrive while the connection is lost); {@code UNKNOWN} while
 * starting. Details: state, slot, publication, lag, reconnects and the last error.
 */
public class CdcHealthIndicator extends AbstractHealthIndicator {

	private final Supplier<@Nullable ChangeStream> stream;

	/**
	 * @param stream the stream, {@code null} while none is created
	 */
	public CdcHealthIndicator(Supplier<@Nullable ChangeStream> stream) {
		super("CDC health check failed");
		this.stream = stream;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		ChangeStream current = this.stream.get();
		if (current == null) {
			builder.status(Status.OUT_OF_SERVICE).withDetail("state", StreamState.STOPPED);
			return;
		}
		StreamStatus status = current.status();
		builder.status(status(status.state()))
			.withDetail("state", status.state())
			.withDetail("slot", status.slot())
			.withDetail("publication", status.publication());
		StreamLag lag = current.lag();
		if (lag.bytes() != null) {
			builder.withDetail("lagBytes", lag.bytes());
		}
		if (lag.time() != null) {
			builder.withDetail("lagMillis", lag.time().toMillis());
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
				return Status.UNKNOWN;
			case PAUSED:
			case STANDBY:
			case STOPPED:
				return Status.OUT_OF_SERVICE;
			default:
				// FAILED, RECONNECTING: changes are not arriving
				return Status.DOWN;
		}
	}

}
