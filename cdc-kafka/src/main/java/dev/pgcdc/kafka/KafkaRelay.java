package dev.pgcdc.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.snapshot.ConnectionSource;
import dev.pgcdc.stream.BatchHandler;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.support.ProducerListener;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;
import tools.jackson.databind.json.JsonMapper;

/**
 * Relays every batch of the stream to Kafka: each row change becomes one record on its table's
 * topic ({@link TopicPattern}), keyed by its primary key, so one row's changes land in one
 * partition, in commit order; a TRUNCATE goes to every partition of the topic; logical messages go
 * to the messages topic when there is one. Headers: {@value #POSITION_HEADER},
 * {@value #XID_HEADER}, {@value #LSN_HEADER}, {@value #COMMIT_TIME_HEADER} (ISO-8601); the
 * record timestamp is the commit time.
 * <p>
 * {@link #handle} sends the batch's records and returns only once the broker acknowledged every
 * one of them, so the stream acknowledges a transaction to PostgreSQL only after Kafka has it
 * (the producer runs with {@code acks=all}, idempotent: see {@link ProducerRequirements}). When
 * the broker does not acknowledge (an outage, a timeout), the records from the first
 * unacknowledged one on are sent again after a back-off, for as long as it takes; meanwhile
 * nothing is acknowledged and the stream's queue fills, so the reader stops reading. The records
 * of that batch after the failed one may then be in Kafka twice; nothing is lost. An error that
 * waiting cannot cure (a record too large, no authorization) is thrown: the stream stops without
 * acknowledging.
 */
public final class KafkaRelay implements BatchHandler, AutoCloseable {

	/** Header with {@link ChangeEvent#position()} (the commit LSN for a logical message). */
	public static final String POSITION_HEADER = "pgcdc.position";

	/** Header with the transaction id. */
	public static final String XID_HEADER = "pgcdc.xid";

	/** Header with the commit LSN. */
	public static final String LSN_HEADER = "pgcdc.lsn";

	/** Header with the commit time, ISO-8601. */
	public static final String COMMIT_TIME_HEADER = "pgcdc.commit-time";

	private static final Logger logger = LoggerFactory.getLogger(KafkaRelay.class);

	private final KafkaOperations<byte[], byte[]> kafka;

	private final @Nullable AutoCloseable owned;

	private final RecordFormat format;

	private final TopicPattern topics;

	private final @Nullable String messagesTopic;

	private final PrimaryKeys keys;

	private final BackOff backOff;

	private volatile @Nullable String waiting;

	private volatile long relayed;

	private volatile long retries;

	/**
	 * @param kafka sends the records
	 * @param owned closed with the relay (the producer made by {@link #producerFor}), or {@code null}
	 * @param format how records are written
	 * @param topics the topic of each table
	 * @param messagesTopic the topic for logical messages, {@code null} to relay none
	 * @param keys looks up primary keys
	 * @param backOff how long to wait between attempts while the broker does not acknowledge
	 */
	KafkaRelay(KafkaOperations<byte[], byte[]> kafka, @Nullable AutoCloseable owned, RecordFormat format,
			TopicPattern topics, @Nullable String messagesTopic, PrimaryKeys keys, BackOff backOff) {
		this.kafka = kafka;
		this.owned = owned;
		this.format = format;
		this.topics = topics;
		this.messagesTopic = messagesTopic;
		this.keys = keys;
		this.backOff = backOff;
	}

	/**
	 * A relay.
	 * @param kafka sends the records (for example {@link #producerFor} of the application's template)
	 * @param format the record format
	 * @param topics the topic of each table
	 * @param messagesTopic the topic for logical messages, {@code null} to relay none
	 * @param connections reads the primary keys from the catalog
	 * @param serverName Debezium's {@code source.name} (the application name)
	 * @param backOff how long to wait between attempts while the broker does not acknowledge
	 * @return the relay; closing it closes the producer of a {@link #producerFor} template (not
	 * another template's)
	 */
	public static KafkaRelay create(KafkaOperations<byte[], byte[]> kafka, RelayFormat format, TopicPattern topics,
			@Nullable String messagesTopic, ConnectionSource connections, String serverName, BackOff backOff) {
		JsonMapper mapper = JsonMapper.builder().build();
		RecordFormat records = switch (format) {
			case JSON -> new PgcdcJsonFormat(mapper);
			case DEBEZIUM -> new DebeziumFormat(mapper, serverName, version());
		};
		// only the producer producerFor made is the relay's to close, never a template of the application's
		AutoCloseable owned = (kafka instanceof RelayTemplate template
				&& template.getProducerFactory() instanceof DefaultKafkaProducerFactory<?, ?> factory) ? factory::destroy
						: null;
		return new KafkaRelay(kafka, owned, records, topics, messagesTopic, new PrimaryKeys(connections), backOff);
	}

	/**
	 * A template for the relay with the producer configuration of the application's (bootstrap
	 * servers, security, client settings), on a producer of its own with byte-array serializers,
	 * so that the relay's waiting for acknowledgements neither waits for the application's records
	 * nor depends on its serializers.
	 * @param application the application's template
	 * @return a template for the relay, closed with it
	 * @throws IllegalStateException naming the setting if the producer contradicts
	 * {@link ProducerRequirements}
	 */
	public static KafkaTemplate<byte[], byte[]> producerFor(KafkaTemplate<?, ?> application) {
		ProducerFactory<?, ?> factory = application.getProducerFactory();
		Map<String, Object> config = new HashMap<>(factory.getConfigurationProperties());
		config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "pgcdc-relay");
		KafkaTemplate<byte[], byte[]> template = new RelayTemplate(new DefaultKafkaProducerFactory<>(config,
				new ByteArraySerializer(), new ByteArraySerializer()));
		// the relay logs an outage once; spring-kafka's default listener logs every failed record at ERROR
		template.setProducerListener(new ProducerListener<>() {
		});
		return template;
	}

	/** The template {@link #producerFor} makes: its producer is closed with the relay. */
	private static final class RelayTemplate extends KafkaTemplate<byte[], byte[]> {

		RelayTemplate(ProducerFactory<byte[], byte[]> factory) {
			super(factory);
		}

	}

	private static String version() {
		String version = KafkaRelay.class.getPackage().getImplementationVersion();
		return "pgcdc-" + ((version != null) ? version : "dev");
	}

	@Override
	public void handle(TransactionBatch batch) throws Exception {
		if (batch.events().isEmpty()) {
			return;
		}
		try {
			relay(batch);
		}
		finally {
			this.waiting = null;
		}
	}

	private void relay(TransactionBatch batch) throws InterruptedException {
		BackOffExecution outage = null;
		List<ProducerRecord<byte[], byte[]>> records = null;
		int from = 0;
		while (true) {
			KafkaException failure;
			try {
				if (records == null) {
					records = records(batch);
					if (records.isEmpty()) {
						return;
					}
				}
				this.waiting = "Kafka relay: " + (records.size() - from) + " records of xid " + batch.xid()
						+ " waiting for the broker's acknowledgement";
				int failed = sendAll(records, from);
				if (failed < 0) {
					this.relayed += records.size() - from;
					if (outage != null) {
						logger.info("Kafka acknowledges again: relaying (xid {})", batch.xid());
					}
					return;
				}
				from = failed;
				KafkaException last = this.lastFailure;
				failure = (last != null) ? last : new KafkaException("the broker did not acknowledge");
			}
			catch (KafkaException ex) {
				failure = ex;
			}
			catch (org.springframework.kafka.KafkaException ex) {
				failure = kafkaException(ex);
			}
			if (!retriable(failure)) {
				throw new KafkaRelayException("Kafka rejected a record of transaction " + batch.xid() + " at "
						+ batch.lsn() + " (the stream stops without acknowledging it): " + describe(failure), failure);
			}
			if (outage == null) {
				outage = this.backOff.start();
				logger.warn("Kafka did not acknowledge records of transaction {} ({}): not acknowledging to"
						+ " PostgreSQL, sending again after a back-off until it does", batch.xid(), describe(failure));
			}
			else {
				logger.debug("Kafka still does not acknowledge ({})", describe(failure));
			}
			long wait = outage.nextBackOff();
			if (wait == BackOffExecution.STOP) {
				throw new KafkaRelayException("Kafka did not acknowledge records of transaction " + batch.xid()
						+ " within the back-off's attempts: " + describe(failure), failure);
			}
			this.retries++;
			Thread.sleep(wait);
		}
	}

	/** The failure that made the last {@link #sendAll} return an index (delivery thread only). */
	private @Nullable KafkaException lastFailure;

	/**
	 * Send the records from {@code from} on and wait until each is acknowledged or failed.
	 * @return the index of the first record the broker did not acknowledge, {@code -1} if all were
	 */
	private int sendAll(List<ProducerRecord<byte[], byte[]>> records, int from) throws InterruptedException {
		List<CompletableFuture<?>> sent = new ArrayList<>(records.size() - from);
		this.lastFailure = null;
		KafkaException sendFailure = null;
		for (int i = from; i < records.size(); i++) {
			try {
				sent.add(this.kafka.send(records.get(i)));
			}
			catch (KafkaException | org.springframework.kafka.KafkaException ex) {
				// the producer could not even queue it (no metadata within max.block.ms): later ones would wait as long
				sendFailure = kafkaException(ex);
				break;
			}
		}
		// flush: the producer's linger would otherwise hold the last records back
		this.kafka.flush();
		for (int i = 0; i < sent.size(); i++) {
			try {
				sent.get(i).get();
			}
			catch (ExecutionException ex) {
				this.lastFailure = kafkaException(ex.getCause());
				return from + i;
			}
		}
		if (sendFailure != null) {
			this.lastFailure = sendFailure;
			return from + sent.size();
		}
		return -1;
	}

	private List<ProducerRecord<byte[], byte[]>> records(TransactionBatch batch) {
		List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(batch.events().size());
		for (CdcEvent event : batch.events()) {
			if (event instanceof ChangeEvent change) {
				add(records, change);
			}
			else if (event instanceof LogicalMessage message && this.messagesTopic != null) {
				records.add(new ProducerRecord<>(this.messagesTopic, null, timestamp(message.commitTimestamp()),
						this.format.key(message), this.format.value(message),
						headers(message.lsn(), message.xid(), message.lsn(), message.commitTimestamp())));
			}
		}
		return records;
	}

	private void add(List<ProducerRecord<byte[], byte[]>> records, ChangeEvent change) {
		TableName table = new TableName(change.schema(), change.table());
		String topic = this.topics.topic(table);
		byte[] value = this.format.value(change);
		Long timestamp = timestamp(change.commitTimestamp());
		if (change.operation() == Operation.TRUNCATE) {
			// to every partition: each partition's consumer sees it in order with the rows it has
			for (PartitionInfo partition : this.kafka.partitionsFor(topic)) {
				records.add(new ProducerRecord<>(topic, partition.partition(), timestamp, null, value, headers(change)));
			}
			return;
		}
		byte[] key = this.format.key(change, this.keys.columns(table));
		records.add(new ProducerRecord<>(topic, null, timestamp, key, value, headers(change)));
		if (this.format.tombstoneAfter(change)) {
			records.add(new ProducerRecord<>(topic, null, timestamp, key, null, headers(change)));
		}
	}

	private static @Nullable Long timestamp(@Nullable Instant commitTimestamp) {
		return (commitTimestamp != null) ? commitTimestamp.toEpochMilli() : null;
	}

	private static RecordHeaders headers(ChangeEvent change) {
		return headers(change.position(), change.xid(), change.lsn(), change.commitTimestamp());
	}

	private static RecordHeaders headers(String position, long xid, String lsn, @Nullable Instant commitTimestamp) {
		RecordHeaders headers = new RecordHeaders();
		headers.add(new RecordHeader(POSITION_HEADER, position.getBytes(StandardCharsets.UTF_8)));
		headers.add(new RecordHeader(XID_HEADER, Long.toString(xid).getBytes(StandardCharsets.UTF_8)));
		headers.add(new RecordHeader(LSN_HEADER, lsn.getBytes(StandardCharsets.UTF_8)));
		if (commitTimestamp != null) {
			headers.add(new RecordHeader(COMMIT_TIME_HEADER, commitTimestamp.toString().getBytes(StandardCharsets.UTF_8)));
		}
		return headers;
	}

	private static KafkaException kafkaException(@Nullable Throwable cause) {
		return (cause instanceof KafkaException kafka) ? kafka : new KafkaException(cause);
	}

	/** Whether waiting may cure it: not for what the broker or the producer will refuse every time. */
	private static boolean retriable(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (cause instanceof RecordTooLargeException || cause instanceof InvalidTopicException
					|| cause instanceof AuthorizationException || cause instanceof AuthenticationException
					|| cause instanceof SerializationException || cause instanceof UnsupportedVersionException) {
				return false;
			}
		}
		return true;
	}

	private static String describe(@Nullable Throwable failure) {
		if (failure == null) {
			return "no cause";
		}
		Throwable root = failure;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ": " + root.getMessage();
	}

	@Override
	public @Nullable String inProgress() {
		return this.waiting;
	}

	/** @return how many records the broker acknowledged so far */
	public long relayed() {
		return this.relayed;
	}

	/** @return how many times records were sent again because the broker had not acknowledged them */
	public long retries() {
		return this.retries;
	}

	/** Close the producer the relay made (records not yet acknowledged were not acknowledged to PostgreSQL either). */
	@Override
	public void close() throws Exception {
		if (this.owned != null) {
			this.owned.close();
		}
	}

}
