package dev.pgcdc.benchmark;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.EventPosition;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Source;
import dev.pgcdc.filter.EventCondition;
import dev.pgcdc.filter.EventFilter;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of the per-event filters on one UPDATE of a {@code users} row, the work the dispatcher
 * does for each handler before binding anything:
 * <ul>
 * <li>{@code condition}: a SpEL condition reading two columns and {@code #op};</li>
 * <li>{@code conditionTwoThreads}: the same condition evaluated from two threads at once;</li>
 * <li>{@code unwatchedRecords}: three {@code unwatchedRecords} entries that do not match
 * (a boolean, a number, and a quoted number compared with an integer column).</li>
 * </ul>
 * Run with {@code java -jar cdc-benchmarks/target/benchmarks.jar FilterBenchmark -prof gc} for
 * the allocation per event.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class FilterBenchmark {

	private final EventCondition condition = EventCondition
		.parse("#new['done'] == true and #old['done'] == false and #op == 'UPDATE'");

	private final EventFilter unwatchedRecords = EventFilter.of(List.of(),
			List.of("event_subscribe = false", "todos_count = 5", "id = '42'"), List.of(), "");

	private final ChangeEvent update = update();

	private static ChangeEvent update() {
		Source source = new Source(Source.NAME, "17", "app", "public", "users",
				Map.of("id", "int4", "done", "bool", "event_subscribe", "bool", "todos_count", "int4", "name", "text"));
		Map<String, @Nullable Object> newRow = new LinkedHashMap<>();
		newRow.put("id", 7);
		newRow.put("done", true);
		newRow.put("event_subscribe", true);
		newRow.put("todos_count", 3);
		newRow.put("name", "Ada");
		Map<String, @Nullable Object> oldRow = new LinkedHashMap<>(newRow);
		oldRow.put("done", false);
		return ChangeEvent.of(Operation.UPDATE, source, newRow, oldRow, Set.of(), Instant.EPOCH, "0/16B3748", 7,
				EventPosition.of(0x16B3748, 0));
	}

	/** @return whether the condition holds (it does) */
	@Benchmark
	public boolean condition() {
		return this.condition.matches(this.update);
	}

	/** @return whether the condition holds, two threads sharing one condition */
	@Benchmark
	@Threads(2)
	public boolean conditionTwoThreads() {
		return this.condition.matches(this.update);
	}

	/** @return whether the filter accepts the event (it does: no entry matches) */
	@Benchmark
	public boolean unwatchedRecords() {
		return this.unwatchedRecords.accepts(this.update);
	}

}
