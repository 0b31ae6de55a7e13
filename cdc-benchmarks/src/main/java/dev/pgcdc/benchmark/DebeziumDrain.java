package dev.pgcdc.benchmark;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Debezium's embedded engine with its PostgreSQL connector on the existing slot and
 * publication ({@code plugin.name=pgoutput}, {@code snapshot.mode=no_data}), offsets in memory,
 * Kafka Connect records (no serialisation to JSON), and a batch consumer that counts the
 * records and marks them processed.
 * <p>
 * Tuned as a user after throughput would: larger batches and queue than the defaults (2048 and
 * 8192), a short poll interval instead of 500 ms. {@link #settings} lists everything set.
 */
final class DebeziumDrain implements DrainEngine {

	/** Batch size; the queue holds four batches. Override with {@code -Ddebezium.max.batch.size}. */
	private static final int MAX_BATCH_SIZE = Integer.getInteger("debezium.max.batch.size", 8192);

	@Override
	public String name() {
		return "debezium";
	}

	@Override
	public DrainResult drain(DrainTarget target) throws Exception {
		EventCounter counter = new EventCounter(target.events());
		ExecutorService executor = Executors.newSingleThreadExecutor();
		long started = System.nanoTime();
		DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine
			.create(ChangeEventFormat.of(Connect.class))
			.using(settings(target))
			.notifying((List<RecordChangeEvent<SourceRecord>> records,
					DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) -> {
				counter.add(records.size());
				for (RecordChangeEvent<SourceRecord> record : records) {
					committer.markProcessed(record);
				}
				committer.markBatchFinished();
			})
			.using((boolean success, String message, Throwable error) -> {
				if (!success) {
					counter.fail(message + ((error != null) ? ": " + error : ""));
				}
			})
			.build();
		try {
			executor.execute(engine);
			return counter.await(started, Duration.ofMinutes(30));
		}
		finally {
			engine.close();
			executor.shutdown();
			executor.awaitTermination(1, TimeUnit.MINUTES);
		}
	}

	/**
	 * @param target the slot to read
	 * @return the engine and connector configuration
	 */
	static Properties settings(DrainTarget target) {
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
		settings.setProperty("poll.interval.ms", "10");
		return settings;
	}

}
