package dev.pgcdc.benchmark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;

/**
 * Relay throughput, events per second from the WAL to broker-acknowledged records: pgcdc's
 * Kafka relay next to Debezium's embedded engine with a KafkaProducer, interleaved in one run on
 * one PostgreSQL and one broker ({@code relay-benchmark.sh} starts the broker in a JVM of its
 * own). Each drain reads a slot that already holds the rows ({@link Workload}, 10 columns), in
 * one transaction or in transactions of N rows, into a topic of its own; JVM warm-up: one
 * drain of each engine before the measured rounds.
 * <p>
 * Arguments: {@code <bootstrap servers> [rows (default 200000)] [rows per small transaction
 * (default 100)] [rounds (default 3)]}.
 */
public final class RelayBenchmark {

	private static final String PUBLICATION = "relay_pub";

	private static final String SLOT = "relay_slot";

	private RelayBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		String bootstrap = args[0];
		long rows = (args.length > 1) ? Long.parseLong(args[1].replace("_", "")) : 200_000;
		int perTransaction = (args.length > 2) ? Integer.parseInt(args[2]) : 100;
		int rounds = (args.length > 3) ? Integer.parseInt(args[3]) : 3;
		System.out.printf(Locale.ROOT, "relay benchmark: %,d rows, broker %s, %d cores, JVM max heap %d MB%n", rows,
				bootstrap, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
		Map<String, List<Double>> results = new LinkedHashMap<>();
		int run = 0;
		for (int round = 0; round <= rounds; round++) {
			for (String shape : List.of("one-tx", "small-tx", "single-row-tx")) {
				for (String engine : List.of("pgcdc-relay", "debezium-kafka")) {
					long n = (round == 0) ? Math.min(rows, 20_000) : rows;
					String topic = "bench-" + engine + "-" + (run++);
					StreamingEngine drain = engine.equals("pgcdc-relay") ? new KafkaRelayDrain(bootstrap, topic)
							: new DebeziumKafkaDrain(bootstrap, topic);
					try (TestDatabase database = TestPostgres.createDatabase("relay_" + run)) {
						DrainTarget target = prepare(database, shape, n, perTransaction);
						DrainResult result = drain.drain(target);
						double perSecond = n / result.drainSeconds();
						String label = engine + " " + shape;
						System.out.printf(Locale.ROOT, "%s %s: %,d events broker-acknowledged in %.3f s -> %,.0f events/s%n",
								(round == 0) ? "warm-up" : "round " + round, label, n, result.drainSeconds(), perSecond);
						if (round > 0) {
							results.computeIfAbsent(label, (key) -> new ArrayList<>()).add(perSecond);
						}
					}
				}
			}
		}
		System.out.println();
		System.out.printf(Locale.ROOT, "median of %d rounds (%,d rows; small transactions of %d rows, single-row transactions of 1):%n", rounds, rows,
				perTransaction);
		results.forEach((label, values) -> {
			List<Double> sorted = values.stream().sorted().toList();
			System.out.printf(Locale.ROOT, "  %-28s %,10.0f events/s  (all: %s)%n", label, sorted.get(sorted.size() / 2),
					sorted.stream().map((value) -> String.format(Locale.ROOT, "%,.0f", value)).toList());
		});
	}

	private static DrainTarget prepare(TestDatabase database, String shape, long rows, int perTransaction) {
		Workload workload = Workload.create(database);
		workload.createPublicationAndSlot(PUBLICATION, SLOT);
		if (shape.equals("one-tx")) {
			workload.insertOneTransaction(1, rows);
		}
		else {
			workload.insertInTransactionsOf(1, rows, shape.equals("single-row-tx") ? 1 : perTransaction);
		}
		return new DrainTarget(database, workload, PUBLICATION, SLOT, rows, workload.flushedEndOfWal());
	}

}
