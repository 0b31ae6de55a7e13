package dev.pgcdc.benchmark;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Debezium's embedded engine with its PostgreSQL connector on the existing slot and
 * publication ({@code plugin.name=pgoutput}, {@code snapshot.mode=no_data}), offsets in memory,
 * Kafka Connect records (no serialisation to JSON), and a batch consumer that counts the
 * records and marks them processed. For the latency measurement it reads each record's commit
 * time, {@code source.ts_us} (Debezium 3.x; PostgreSQL's commit timestamp from the Begin message,
 * in microseconds).
 * <p>
 * Tuned as a user after throughput would: larger batches and queue than the defaults (2048 and
 * 8192), a short poll interval instead of 500 ms. Debezium hands a batch to the consumer when it
 * is full or when the poll interval has passed, so for latency the interval is the floor: the
 * latency measurement uses 1 ms. {@link #settings} lists everything set.
 */
final class DebeziumDrain implements StreamingEngine {

	/** Batch size; the queue holds four batches. Override with {@code -Ddebezium.max.batch.size}. */
	private static final int MAX_BATCH_SIZE = Integer.getInteger("debezium.max.batch.size", 8192);

	private final long pollIntervalMillis;

	/**
	 * @param pollIntervalMillis {@code poll.interval.ms} unless {@code -Ddebezium.poll.interval.ms}
	 * overrides it
	 */
	DebeziumDrain(long pollIntervalMillis) {
		this.pollIntervalMillis = Long.getLong("debezium.poll.interval.ms", pollIntervalMillis);
	}

	@Override
	public String name() {
		return "debezium";
	}

	@Override
	public AutoCloseable open(DrainTarget target, Arrivals arrivals) {
		DebeziumEngine.Builder<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine
			.create(ChangeEventFormat.of(Connect.class))
			.using(settings(target))
			.notifying((List<RecordChangeEvent<SourceRecord>> records,
					DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) -> {
				if (arrivals.wantsCommitTimes()) {
					for (RecordChangeEvent<SourceRecord> record : records) {
						arrivals.arrived(1, commitMicros(record.record()));
					}
				}
				else {
					arrivals.arrived(records.size(), 0);
				}
				for (RecordChangeEvent<SourceRecord> record : records) {
					committer.markProcessed(record);
				}
				committer.markBatchFinished();
			});
		return start(engine, arrivals, () -> {
		});
	}

	/**
	 * Build the engine, reporting its failure to {@code arrivals}, and run it on a thread of its own.
	 * @param engine the configured engine
	 * @param arrivals told when the engine ends unsuccessfully
	 * @param afterwards closed after the engine stopped
	 * @return closes the engine, then {@code afterwards}
	 */
	static AutoCloseable start(DebeziumEngine.Builder<?> engine, Arrivals arrivals, AutoCloseable afterwards) {
		ExecutorService executor = Executors.newSingleThreadExecutor();
		DebeziumEngine<?> running = engine.using((boolean success, String message, Throwable error) -> {
			if (!success) {
				arrivals.fail(message + ((error != null) ? ": " + error : ""));
			}
		}).build();
		executor.execute(running);
		return () -> {
			try {
				running.close();
			}
			finally {
				executor.shutdown();
				executor.awaitTermination(1, TimeUnit.MINUTES);
				afterwards.close();
			}
		};
	}

	/** @return the record's {@code source.ts_us}: its transaction's commit time in epoch microseconds */
	private static long commitMicros(SourceRecord record) {
		return ((Struct) record.value()).getStruct("source").getInt64("ts_us");
	}

	/**
	 * @param target the slot to read
	 * @return the engine and connector configuration
	 */
	Properties settings(DrainTarget target) {
		Properties settings = new Properties();
		settings.setProperty("name", "pgcdc-compare");
		settings.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
		settings.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
		settings.setProperty("offset.flush.interval.ms", "10000");
		settings.setProperty("topic.prefix", "compare");
		settings.setProperty("database.hostname", target.host());
		settings.setProperty("database.port", Integer.toString(target.port()));
		settings.setProperty("database.user", target.database().username());
		settings.setProperty("database.password", target.database().password());
		settings.setProperty("database.dbname", target.database().name());
		settings.setProperty("plugin.name", "pgoutput");
		settings.setProperty("slot.name", target.slot());
		settings.setProperty("publication.name", target.publication());
		settings.setProperty("publication.autocreate.mode", "disabled");
		settings.setProperty("snapshot.mode", "no_data");
		settings.setProperty("table.include.list", Workload.TABLE.toString());
		settings.setProperty("max.batch.size", Integer.toString(MAX_BATCH_SIZE));
		settings.setProperty("max.queue.size", Integer.toString(4 * MAX_BATCH_SIZE));
		settings.setProperty("poll.interval.ms", Long.toString(this.pollIntervalMillis));
		return settings;
	}

}
