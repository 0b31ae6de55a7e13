package dev.pgcdc.autoconfigure.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.pgcdc.dispatch.DispatchObserver;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.HandlerMethod;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.replication.SlotHealth;
import dev.pgcdc.replication.StreamLag;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * The change stream's meters:
 * <ul>
 * <li>{@code cdc.events} (counter; tags {@code table}, {@code operation}): row changes of
 * enabled tables reaching the dispatcher;</li>
 * <li>{@code cdc.handler.duration} (timer; tags {@code handler}, {@code outcome}
 * {@code success|error}): each handler call, retries included;</li>
 * <li>{@code cdc.lag.bytes}, {@code cdc.lag.time} (gauges): as the endpoint's lag, as last
 * measured in the background (a scrape never waits for the server); NaN when unknown;</li>
 * <li>{@code cdc.reconnects} (counter): times the stream lost its connection and started
 * reconnecting;</li>
 * <li>{@code cdc.snapshot.rows} (counter; tag {@code table}): rows delivered by snapshots
 * (SNAPSHOT events of enabled tables reaching the dispatcher).</li>
 * <li>{@code cdc.slot.retained.bytes} (gauge): WAL the slot holds on the server
 * ({@code pg_current_wal_lsn()} minus its {@code restart_lsn}), as last measured in the
 * background; NaN when unknown.</li>
 * </ul>
 */
public class CdcMeterBinder implements MeterBinder {

	private final HandlerMulticaster dispatcher;

	private final Supplier<StreamLag> lag;

	private final LongSupplier reconnects;

	private final Supplier<SlotHealth> slot;

	/**
	 * @param dispatcher the dispatcher to observe
	 * @param lag the stream's last measured lag, without waiting for the server (see
	 * {@link dev.pgcdc.autoconfigure.CdcStreamLifecycle#getLag()})
	 * @param reconnects the stream's own count of lost sessions ({@code StreamStatus.reconnects()}),
	 * the same number the endpoint shows
	 * @param slot the slot's last measured health, without waiting for the server (see
	 * {@link dev.pgcdc.autoconfigure.CdcStreamLifecycle#getSlotHealth()})
	 */
	public CdcMeterBinder(HandlerMulticaster dispatcher, Supplier<StreamLag> lag, LongSupplier reconnects,
			Supplier<SlotHealth> slot) {
		this.dispatcher = dispatcher;
		this.lag = lag;
		this.reconnects = reconnects;
		this.slot = slot;
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
		FunctionCounter.builder("cdc.reconnects", this.reconnects, LongSupplier::getAsLong)
			.description("Times the change stream lost its connection and reconnected")
			.register(registry);
		Gauge.builder("cdc.slot.retained.bytes", this, (binder) -> binder.retainedBytes())
			.description("WAL the replication slot holds on the server (current WAL position minus its restart_lsn)")
			.baseUnit(BaseUnits.BYTES)
			.register(registry);
		this.dispatcher.addObserver(new RegistryObserver(registry));
	}

	private double retainedBytes() {
		Long bytes = this.slot.get().retainedBytes();
		return (bytes != null) ? bytes : Double.NaN;
	}

	private double lagBytes() {
		Long bytes = this.lag.get().bytes();
		return (bytes != null) ? bytes : Double.NaN;
	}

	private double lagMillis() {
		StreamLag lag = this.lag.get();
		return (lag.time() != null) ? lag.time().toMillis() : Double.NaN;
	}

	/**
	 * Records events and handler calls in one registry. Meters are cached by what the
	 * dispatcher hands over (schema and table strings, operation, handler), so counting an
	 * event or a call builds no key and no tag.
	 */
	private static final class RegistryObserver implements DispatchObserver {

		private static final Operation[] OPERATIONS = Operation.values();

		private final MeterRegistry registry;

		// schema -> table -> counter per Operation ordinal, each registered on first use
		private final Map<String, Map<String, Counter[]>> events = new ConcurrentHashMap<>();

		// handler -> [success, error], each registered on first use
		private final Map<HandlerMethod, Timer[]> durations = new ConcurrentHashMap<>();

		RegistryObserver(MeterRegistry registry) {
			this.registry = registry;
		}

		@Override
		public void eventReceived(ChangeEvent event) {
			Map<String, Counter[]> tables = this.events.get(event.schema());
			if (tables == null) {
				tables = this.events.computeIfAbsent(event.schema(), (schema) -> new ConcurrentHashMap<>());
			}
			Counter[] counters = tables.get(event.table());
			if (counters == null) {
				// one more for cdc.snapshot.rows
				counters = tables.computeIfAbsent(event.table(), (table) -> new Counter[OPERATIONS.length + 1]);
			}
			int operation = event.operation().ordinal();
			Counter counter = counters[operation];
			if (counter == null) {
				// registered on first use, as before; registering twice gives the same meter
				counter = Counter.builder("cdc.events")
					.description("Row changes of enabled tables dispatched")
					.tag("table", event.schema() + "." + event.table())
					.tag("operation", event.operation().name())
					.register(this.registry);
				counters[operation] = counter;
			}
			counter.increment();
			if (event.operation() == Operation.SNAPSHOT) {
				Counter rows = counters[OPERATIONS.length];
				if (rows == null) {
					rows = Counter.builder("cdc.snapshot.rows")
						.description("Rows delivered by snapshots")
						.tag("table", event.schema() + "." + event.table())
						.register(this.registry);
					counters[OPERATIONS.length] = rows;
				}
				rows.increment();
			}
		}

		@Override
		public void handlerInvoked(HandlerMethod handler, long nanos, @Nullable Throwable error) {
			Timer[] timers = this.durations.get(handler);
			if (timers == null) {
				timers = this.durations.computeIfAbsent(handler, (key) -> new Timer[2]);
			}
			int outcome = (error != null) ? 1 : 0;
			Timer timer = timers[outcome];
			if (timer == null) {
				timer = Timer.builder("cdc.handler.duration")
					.description("Calls of CDC handler methods, retries included")
					.tag("handler", handler.id())
					.tag("outcome", (error != null) ? "error" : "success")
					.register(this.registry);
				timers[outcome] = timer;
			}
			timer.record(nanos, TimeUnit.NANOSECONDS);
		}

	}

}
