package dev.pgcdc.replication;

import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.benchmark.CapturedFrames;
import dev.pgcdc.dispatch.ErrorPolicy;
import dev.pgcdc.dispatch.HandlerDefinition;
import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.filter.EventFilter;
import dev.pgcdc.pgoutput.PgOutputDecoder;
import dev.pgcdc.types.TypeRegistry;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The reader's and the dispatcher's per-event work without the network: the captured
 * transaction of 1000 inserts into {@code public.orders} (see {@code DecodeBenchmark}) decoded,
 * assembled into batches by the {@link TransactionAssembler} (batch size 256) and handed to a
 * {@link HandlerMulticaster} with four typical handlers ({@code handlers=typical}, or none):
 * <ul>
 * <li>a {@code ChangeEvent} handler for every table;</li>
 * <li>a handler of {@code orders} bound to an {@code Order} record;</li>
 * <li>a handler of {@code orders} bound to the same record, with a SpEL condition that holds for
 * half the rows ({@code paid});</li>
 * <li>a {@code DELETE} handler of another table, which never matches.</li>
 * </ul>
 * It lives in {@code dev.pgcdc.replication} to reach the package-private assembler. One
 * operation is the whole transaction; the {@code events} counter is the rate of events. Run with
 * {@code java -jar cdc-benchmarks/target/benchmarks.jar DispatchBenchmark -f 1 -wi 3 -i 5 -prof gc}:
 * {@code gc.alloc.rate.norm} divided by 1000 is the allocation per event.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class DispatchBenchmark {

	/** {@code text}: the default pgoutput mode; {@code binary}: {@code binary 'true'}. */
	@Param({ "text", "binary" })
	public String format;

	/** {@code typical}: the four handlers above; {@code none}: no handler, the stream's own cost. */
	@Param({ "typical", "none" })
	public String handlers;

	private ByteBuffer[] messages;

	private long[] positions;

	private int protocolVersion;

	private final TypeRegistry types = new TypeRegistry();

	private final ServerInfo server = new ServerInfo("17.0", 170000, "bench", "bench");

	private final AckTracker ack = new AckTracker((lsn) -> {
	});

	private HandlerMulticaster multicaster;

	private Blackhole blackhole;

	/**
	 * Load the captured frames and register the handlers.
	 * @param blackhole where the handlers put what they receive
	 * @throws Exception if a handler method is missing
	 */
	@Setup(Level.Trial)
	public void load(Blackhole blackhole) throws Exception {
		this.blackhole = blackhole;
		CapturedFrames frames = CapturedFrames.load("/pgoutput/bench_" + this.format + ".txt.gz");
		this.messages = frames.messages().toArray(new ByteBuffer[0]);
		this.positions = frames.lsns().stream().mapToLong(LogSequenceNumber::asLong).toArray();
		this.protocolVersion = this.format.equals("binary") ? 2 : 1;
		HandlerRegistry registry = new HandlerRegistry();
		if (this.handlers.equals("typical")) {
			registerTypical(registry);
		}
		this.multicaster = new HandlerMulticaster(registry, HandlerMulticaster.defaultRetryPolicy(), ErrorPolicy.STOP,
				null);
	}

	private void registerTypical(HandlerRegistry registry) throws NoSuchMethodException {
		TableName orders = new TableName("public", "orders");
		register(registry, "onChange", ChangeEvent.class, Set.of(), EventFilter.acceptAll());
		register(registry, "onOrder", Order.class, Set.of(orders), EventFilter.acceptAll());
		register(registry, "onPaidOrder", Order.class, Set.of(orders),
				EventFilter.of(List.of(), List.of(), List.of(), "#new['paid'] == true"));
		register(registry, "onCustomerDeleted", ChangeEvent.class, Set.of(new TableName("public", "customer")),
				EventFilter.of(List.of(Operation.DELETE), List.of(), List.of(), ""));
	}

	private void register(HandlerRegistry registry, String method, Class<?> parameter, Set<TableName> tables,
			EventFilter filter) throws NoSuchMethodException {
		Method handler = DispatchBenchmark.class.getMethod(method, parameter);
		registry.register(new HandlerDefinition(method, "benchmark", this, handler, 0, tables, filter, null));
	}

	/** Events dispatched, reported by JMH as a rate next to the operations. */
	@AuxCounters(AuxCounters.Type.OPERATIONS)
	@State(Scope.Thread)
	public static class Events {

		/** Change events handed to the multicaster. */
		public long events;

	}

	/**
	 * Frames to batches to handlers.
	 * @param events the event counter
	 * @throws Exception never
	 */
	@Benchmark
	public void dispatch(Events events) throws Exception {
		PgOutputDecoder decoder = new PgOutputDecoder(this.protocolVersion, false);
		long[] count = new long[1];
		TransactionAssembler assembler = new TransactionAssembler(this.types, this.server, 256,
				this.format.equals("binary"), this.ack, (queued) -> {
					TransactionBatch batch = queued.batch();
					if (batch != null) {
						count[0] += batch.events().size();
						this.multicaster.handle(batch);
					}
					if (queued.ackLsn() != null) {
						this.ack.completed(queued.ackLsn());
					}
				});
		ByteBuffer[] messages = this.messages;
		long[] positions = this.positions;
		for (int i = 0; i < messages.length; i++) {
			// as the StreamReader does, with the position as a number
			assembler.accept(decoder.decode(messages[i], positions[i]), positions[i]);
		}
		events.events += count[0];
	}

	/**
	 * A handler of every table's events.
	 * @param event the event
	 */
	public void onChange(ChangeEvent event) {
		this.blackhole.consume(event);
	}

	/**
	 * A handler of orders, bound to a record.
	 * @param order the row
	 */
	public void onOrder(Order order) {
		this.blackhole.consume(order);
	}

	/**
	 * A filtered handler of paid orders.
	 * @param order the row
	 */
	public void onPaidOrder(Order order) {
		this.blackhole.consume(order);
	}

	/**
	 * A handler that never matches.
	 * @param event the event
	 */
	public void onCustomerDeleted(ChangeEvent event) {
		this.blackhole.consume(event);
	}

	/**
	 * Some columns of an {@code orders} row.
	 * @param id the key
	 * @param customerId the customer
	 * @param sku the article
	 * @param amount the amount
	 * @param paid whether it is paid
	 * @param quantity how many
	 */
	public record Order(int id, long customerId, String sku, BigDecimal amount, boolean paid, int quantity) {
	}

}
