package dev.pgcdc.autoconfigure.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.pgcdc.autoconfigure.CdcStreamStateChangedEvent;
import dev.pgcdc.dispatch.DispatchObserver;
import dev.pgcdc.dispatch.Dispatcher;
import dev.pgcdc.dispatch.HandlerMethod;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.StreamLag;
import dev.pgcdc.replication.StreamState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationListener;

/**
 * The change stream's meters:
 * <ul>
 * <li>{@code cdc.events} (counter; tags {@code table}, {@code operation}): row changes of
 * enabled tables reaching the dispatcher;</li>
 * <li>{@code cdc.handler.duration} (timer; tags {@code handler}, {@code outcome}
 * {@code success|error}): each handler call, retries included;</li>
 * <li>{@code cdc.lag.bytes}, {@code cdc.lag.time} (gauges): as the endpoint's lag; NaN when
 * unknown;</li>
 * <li>{@code cdc.reconnects} (counter): times the stream lost its connection and started
 * reconnecting.</li>
 * </ul>
 */
public class CdcMeterBinder implements MeterBinder, ApplicationListener<CdcStreamStateChangedEvent> {

	private final Dispatcher dispatcher;

	private final Supplier<@Nullable ChangeStream> stream;

	private final List<Counter> reconnects = new CopyOnWriteArrayList<>();

	/**
	 * @param dispatcher the dispatcher to observe
	 * @param stream the stream, {@code null} while none is created
	 */
	public CdcMeterBinder(Dispatcher dispatcher, Supplier<@Nullable ChangeStream> stream) {
		this.dispatcher = dispatcher;
		this.stream = stream;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("cdc.lag.bytes", this, (binder) -> binder.lagBytes())
			.description("WAL written on the server beyond the position the stream has handled")
			.baseUnit(BaseUnits.BYTES)
			.register(registry);
		TimeGauge.builder("cdc.lag.time", this, TimeUnit.MILLISECONDS, (binder) -> binder.lagMillis())
			.description("Time since the commit of the last handled transaction while changes wait; 0 when caught up")
			.register(registry);
		this.reconnects.add(Counter.builder("cdc.reconnects")
			.description("Times the change stream lost its connection and reconnected")
			.register(registry));
		this.dispatcher.addObserver(new RegistryObserver(registry));
	}

	@Override
	public void onApplicationEvent(CdcStreamStateChangedEvent event) {
		if (event.getCurrent() == StreamState.RECONNECTING) {
			this.reconnects.forEach(Counter::increment);
		}
	}

	private double lagBytes() {
		Long bytes = lag().bytes();
		return (bytes != null) ? bytes : Double.NaN;
	}

	private double lagMillis() {
		StreamLag lag = lag();
		return (lag.time() != null) ? lag.time().toMillis() : Double.NaN;
	}

	private StreamLag lag() {
		ChangeStream current = this.stream.get();
		return (current != null) ? current.lag() : StreamLag.UNKNOWN;
	}

	/** Records events and handler calls in one registry, caching meters by their tags. */
	private static final class RegistryObserver implements DispatchObserver {

		private final MeterRegistry registry;

		private final Map<String, Counter> events = new ConcurrentHashMap<>();

		private final Map<String, Timer> durations = new ConcurrentHashMap<>();

		RegistryObserver(MeterRegistry registry) {
			this.registry = registry;
		}

		@Override
		public void eventReceived(ChangeEvent event) {
			String table = event.schema() + "." + event.table();
			String operation = event.operation().name();
			this.events.computeIfAbsent(table + " " + operation, (key) -> Counter.builder("cdc.events")
				.description("Row changes of enabled tables dispatched")
				.tag("table", table)
				.tag("operation", operation)
				.register(this.registry)).increment();
		}

		@Override
		public void handlerInvoked(HandlerMethod handler, long nanos, @Nullable Throwable error) {
			String outcome = (error != null) ? "error" : "success";
			this.durations.computeIfAbsent(handler.id() + " " + outcome, (key) -> Timer.builder("cdc.handler.duration")
				.description("Calls of CDC handler methods, retries included")
				.tag("handler", handler.id())
				.tag("outcome", outcome)
				.register(this.registry)).record(nanos, TimeUnit.NANOSECONDS);
		}

	}

}
