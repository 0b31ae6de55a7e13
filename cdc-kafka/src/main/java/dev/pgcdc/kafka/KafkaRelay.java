package dev.pgcdc.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.AsyncBatchHandler;
import dev.pgcdc.stream.BatchCompletion;
import dev.pgcdc.stream.TableKeys;
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
 * {@link #handle} sends the batch's records and returns without waiting (pipelined across
 * transactions); the batch's completion is completed when the broker acknowledged every one of
 * them, so the stream acknowledges a transaction to PostgreSQL only after Kafka has it and every
 * transaction before it (the producer runs with {@code acks=all}, idempotent: see
 * {@link ProducerRequirements}). At most {@value #DEFAULT_MAX_IN_FLIGHT} records (by default) wait
 * for acknowledgement: beyond that {@code handle} blocks. Snapshot rows are relayed synchronously
 * ({@code handle} returns once they are acknowledged), since snapshot progress is stored when it
 * returns. When the broker does not acknowledge (an outage, a timeout), {@code handle} blocks, and
 * once nothing is in flight any more every batch from the first unacknowledged one on is sent
 * again in WAL order, after a back-off, for as long as it takes, so no later change of a key
 * overtakes an earlier one; meanwhile nothing is acknowledged and the stream's queue fills, so
 * the reader stops reading. Records that were in flight at the failure may then be in Kafka twice
 * (at most the in-flight window); nothing is lost. An error that waiting cannot cure (a record
 * too large, no authorization) fails the batch: the stream stops without acknowledging.
 */
public final class KafkaRelay implements AsyncBatchHandler, TableKeys.User, AutoCloseable {

	/** How many records may wait for the broker's acknowledgement before {@code handle} blocks. */
	public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;

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

	private volatile @Nullable TableKeys keys;

	private final BackOff backOff;

	private final int maxInFlight;

	private volatile @Nullable String waiting;

	private final AtomicLong relayed = new AtomicLong();

	private final AtomicLong retries = new AtomicLong();

	private final Object lock = new Object();

	/** The batches sent, in WAL order, from the first the broker has not acknowledged (guarded by lock). */
	private final ArrayDeque<Sent> window = new ArrayDeque<>();

	private int windowRecords; // guarded by lock

	/** The delivery thread is sending: a resend waits for it (guarded by lock). */
	private boolean sending;

	/** A send failed: handle waits until the resending thread sent the window again (guarded by lock). */
	private boolean stalled;

	private @Nullable Thread resender; // guarded by lock

	private volatile @Nullable KafkaRelayException fatal;

	private volatile boolean closed;

	/**
	 * @param kafka sends the records
	 * @param owned closed with the relay (the producer made by {@link #producerFor}), or {@code null}
	 * @param format how records are written
	 * @param topics the topic of each table
	 * @param messagesTopic the topic for logical messages, {@code null} to relay none
	 * @param backOff how long to wait between attempts while the broker does not acknowledge
	 * @param maxInFlight how many records may wait for acknowledgement before {@code handle} blocks
	 */
	KafkaRelay(KafkaOperations<byte[], byte[]> kafka, @Nullable AutoCloseable owned, RecordFormat format,
			TopicPattern topics, @Nullable String messagesTopic, BackOff backOff, int maxInFlight) {
		this.maxInFlight = maxInFlight;
		this.kafka = kafka;
		this.owned = owned;
		this.format = format;
		this.topics = topics;
		this.messagesTopic = messagesTopic;
		this.backOff = backOff;
	}

	/**
	 * A relay.
	 * @param kafka sends the records (for example {@link #producerFor} of the application's template)
	 * @param format the record format
	 * @param topics the topic of each table
	 * @param messagesTopic the topic for logical messages, {@code null} to relay none
	 * @param serverName Debezium's {@code source.name} (the application name)
	 * @param backOff how long to wait between attempts while the broker does not acknowledge
	 * @return the relay; closing it closes the producer of a {@link #producerFor} template (not
	 * another template's)
	 */
	public static KafkaRelay create(KafkaOperations<byte[], byte[]> kafka, RelayFormat format, TopicPattern topics,
			@Nullable String messagesTopic, String serverName, BackOff backOff) {
		return create(kafka, format, topics, messagesTopic, serverName, backOff, DEFAULT_MAX_IN_FLIGHT);
	}

	/**
	 * A relay as {@link #create(KafkaOperations, RelayFormat, TopicPattern, String, String, BackOff)}
	 * with another bound on the records waiting for the broker.
	 * @param kafka a template from {@link #producerFor}, or one with byte-array serializers
	 * @param format the record format
	 * @param topics the topic of each table's changes
	 * @param messagesTopic where logical messages go, {@code null} to relay none
	 * @param serverName Debezium's {@code source.name} (the application name)
	 * @param backOff how long to wait between attempts while the broker does not acknowledge
	 * @param maxInFlight how many records may wait for the broker's acknowledgement at once
	 * (at least 1): more lets more transactions overlap, and bounds what is sent again after
	 * an outage
	 * @return the relay
	 */
	public static KafkaRelay create(KafkaOperations<byte[], byte[]> kafka, RelayFormat format, TopicPattern topics,
			@Nullable String messagesTopic, String serverName, BackOff backOff, int maxInFlight) {
		if (maxInFlight < 1) {
			throw new IllegalArgumentException("maxInFlight must be at least 1, not " + maxInFlight);
		}
		JsonMapper mapper = JsonMapper.builder().build();
		RecordFormat records = switch (format) {
			case JSON -> new PgcdcJsonFormat(mapper);
			case DEBEZIUM -> new DebeziumFormat(mapper, serverName, version());
		};
		// only the producer producerFor made is the relay's to close, never a template of the application's
		AutoCloseable owned = (kafka instanceof RelayTemplate template
				&& template.getProducerFactory() instanceof DefaultKafkaProducerFactory<?, ?> factory) ? factory::destroy
						: null;
		return new KafkaRelay(kafka, owned, records, topics, messagesTopic, backOff, maxInFlight);
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
	public void handle(TransactionBatch batch, BatchCompletion completion) throws Exception {
		try {
			List<ProducerRecord<byte[], byte[]>> records = recordsOf(batch);
			if (records.isEmpty()) {
				completion.complete();
				return;
			}
			Sent sent = new Sent(batch.xid(), batch.lsn(), records, completion);
			synchronized (this.lock) {
				while (this.fatal == null && (this.stalled
						|| (this.windowRecords > 0 && this.windowRecords + records.size() > this.maxInFlight))) {
					this.waiting = "Kafka relay: xid " + batch.xid() + " waits for room (" + this.windowRecords
							+ " records in flight" + (this.stalled ? ", resending after an outage)" : ")");
					this.lock.wait();
				}
				KafkaRelayException failed = this.fatal;
				if (failed != null) {
					if (this.window.isEmpty()) {
						// reported to this stream now; a stream started again with this relay starts clean
						this.fatal = null;
					}
					throw new KafkaRelayException("The Kafka relay stopped: " + failed.getMessage(), failed);
				}
				this.window.addLast(sent);
				this.windowRecords += records.size();
				this.sending = true;
			}
			try {
				send(sent);
			}
			finally {
				synchronized (this.lock) {
					this.sending = false;
					this.lock.notifyAll();
				}
			}
			if (snapshot(batch)) {
				// snapshot progress is stored when handle returns: its rows must be in Kafka by then
				this.waiting = "Kafka relay: snapshot rows of xid " + batch.xid() + " waiting for the broker's acknowledgement";
				try {
					sent.done.get();
				}
				catch (ExecutionException ex) {
					throw (ex.getCause() instanceof Exception cause) ? cause : ex;
				}
			}
		}
		finally {
			this.waiting = null;
		}
	}

	/** The batch's records; while the topic's partitions are unknown (an outage, for a TRUNCATE), after a back-off. */
	private List<ProducerRecord<byte[], byte[]>> recordsOf(TransactionBatch batch) throws InterruptedException {
		BackOffExecution outage = null;
		while (true) {
			try {
				return records(batch);
			}
			catch (KafkaException | org.springframework.kafka.KafkaException ex) {
				KafkaException failure = kafkaException(ex);
				if (!retriable(failure)) {
					throw new KafkaRelayException("Kafka refused the records of transaction " + batch.xid() + " at "
							+ batch.lsn() + " (the stream stops without acknowledging it): " + describe(failure), failure);
				}
				if (outage == null) {
					outage = this.backOff.start();
					logger.warn("Kafka does not answer for transaction {} ({}): trying again after a back-off",
							batch.xid(), describe(failure));
				}
				long wait = outage.nextBackOff();
				if (wait == BackOffExecution.STOP) {
					throw new KafkaRelayException("Kafka did not answer for transaction " + batch.xid()
							+ " within the back-off's attempts: " + describe(failure), failure);
				}
				this.retries.incrementAndGet();
				Thread.sleep(wait);
			}
		}
	}

	/** A batch's records, from the send until the broker acknowledged them and every batch before them. */
	private static final class Sent {

		final long xid;

		final String lsn;

		final List<ProducerRecord<byte[], byte[]>> records;

		final BatchCompletion completion;

		/** Completed with the completion: what a snapshot batch waits for. */
		final CompletableFuture<@Nullable Void> done = new CompletableFuture<>();

		/** Settles (normally) once every send of the first attempt was acknowledged or failed. */
		CompletableFuture<?> settled = CompletableFuture.completedFuture(null);

		boolean acknowledged; // guarded by the relay's lock

		Sent(long xid, String lsn, List<ProducerRecord<byte[], byte[]>> records, BatchCompletion completion) {
			this.xid = xid;
			this.lsn = lsn;
			this.records = records;
			this.completion = completion;
		}

		void complete() {
			this.completion.complete();
			this.done.complete(null);
		}

		/** The stream no longer waits for it: complete it, but a snapshot batch waiting for it fails. */
		void abandon() {
			this.completion.complete();
			this.done.completeExceptionally(new KafkaRelayException("Not relayed: the stream no longer waits for"
					+ " transaction " + this.xid, new CancellationException()));
		}

		void fail(Throwable error) {
			this.completion.fail(error);
			this.done.completeExceptionally(error);
		}

	}

	private static boolean snapshot(TransactionBatch batch) {
		for (CdcEvent event : batch.events()) {
			if (event instanceof ChangeEvent change && change.operation() == Operation.SNAPSHOT) {
				return true;
			}
		}
		return false;
	}

	/** Send a batch's records (the delivery thread); their acknowledgements complete it. */
	private void send(Sent sent) {
		List<CompletableFuture<?>> futures = new ArrayList<>(sent.records.size());
		Throwable queueing = null;
		for (ProducerRecord<byte[], byte[]> record : sent.records) {
			try {
				futures.add(this.kafka.send(record));
			}
			catch (KafkaException | org.springframework.kafka.KafkaException ex) {
				// the producer could not even queue it (no metadata within max.block.ms): later ones would wait as long
				queueing = kafkaException(ex);
				break;
			}
		}
		Throwable notQueued = queueing;
		CompletableFuture<?> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
		// settled after acknowledged ran: a resend sees which batches the broker has
		sent.settled = all.whenComplete((ok, error) -> acknowledged(sent, (error != null) ? error : notQueued))
			.handle((ok, error) -> null);
	}

	/** The first attempt of a batch settled (a producer thread): complete it, or have it resent in order. */
	private void acknowledged(Sent sent, @Nullable Throwable error) {
		if (error == null) {
			this.relayed.addAndGet(sent.records.size());
			sent.complete();
			synchronized (this.lock) {
				sent.acknowledged = true;
				slide();
			}
			return;
		}
		Throwable cause = (error instanceof CompletionException && error.getCause() != null) ? error.getCause() : error;
		KafkaException failure = kafkaException(cause);
		if (!retriable(failure)) {
			KafkaRelayException fatal = rejected(sent, failure);
			synchronized (this.lock) {
				this.fatal = fatal;
				sent.acknowledged = true; // settled: never sent again
				slide();
			}
			sent.fail(fatal);
			return;
		}
		synchronized (this.lock) {
			if (this.stalled || this.closed) {
				return;
			}
			this.stalled = true;
			logger.warn("Kafka did not acknowledge records of transaction {} ({}): not acknowledging to"
					+ " PostgreSQL, sending again from it after a back-off until it does", sent.xid, describe(failure));
			Thread resender = new Thread(() -> resend(failure), "pgcdc-kafka-relay-resend");
			resender.setDaemon(true);
			this.resender = resender;
			resender.start();
		}
	}

	/** Drop the acknowledged batches at the head of the window (under the lock). */
	private void slide() {
		while (!this.window.isEmpty() && this.window.peekFirst().acknowledged) {
			this.windowRecords -= this.window.removeFirst().records.size();
		}
		this.lock.notifyAll();
	}

	private static KafkaRelayException rejected(Sent sent, Throwable failure) {
		return new KafkaRelayException("Kafka rejected a record of transaction " + sent.xid + " at " + sent.lsn
				+ " (the stream stops without acknowledging it): " + describe(failure), failure);
	}

	/**
	 * After a failed send (a thread of its own, while {@code handle} waits): once nothing is in
	 * flight, send every batch of the window again in WAL order, from the first not acknowledged
	 * one, each until the broker acknowledges it, so that no later change of a key overtakes an
	 * earlier one (the batches after it that had been acknowledged arrive twice).
	 */
	private void resend(KafkaException first) {
		BackOffExecution outage = this.backOff.start();
		KafkaException failure = first;
		List<Sent> window;
		try {
			synchronized (this.lock) {
				while (this.sending) {
					this.lock.wait();
				}
				window = new ArrayList<>(this.window);
			}
			for (Sent sent : window) {
				this.waiting = "Kafka relay: waiting for the records in flight of xid " + sent.xid + " to settle";
				sent.settled.get();
			}
			synchronized (this.lock) {
				window = new ArrayList<>(this.window);
			}
			for (int i = 0; i < window.size(); i++) {
				Sent sent = window.get(i);
				int from = 0;
				boolean delivered = true;
				while (true) {
					KafkaRelayException fatal = this.fatal;
					if (fatal != null || this.closed) {
						settle(window.subList(i, window.size()), fatal);
						return;
					}
					if (sent.completion.cancelled()) {
						// the stream stops, failed, or delivers it again in a new session (the batches of a
						// new session after it are not cancelled: they are sent again)
						sent.abandon();
						delivered = false;
						break;
					}
					this.waiting = "Kafka relay: " + (sent.records.size() - from) + " records of xid " + sent.xid
							+ " sent again, waiting for the broker's acknowledgement";
					int failed = sendAll(sent.records, from);
					if (failed < 0) {
						break;
					}
					from = failed;
					KafkaException last = this.lastFailure;
					failure = (last != null) ? last : new KafkaException("the broker did not acknowledge");
					if (!retriable(failure)) {
						KafkaRelayException rejected = rejected(sent, failure);
						synchronized (this.lock) {
							this.fatal = rejected;
						}
						continue;
					}
					logger.debug("Kafka still does not acknowledge ({})", describe(failure));
					long wait = outage.nextBackOff();
					if (wait == BackOffExecution.STOP) {
						KafkaRelayException gaveUp = new KafkaRelayException("Kafka did not acknowledge records of"
								+ " transaction " + sent.xid + " within the back-off's attempts: " + describe(failure),
								failure);
						synchronized (this.lock) {
							this.fatal = gaveUp;
						}
						continue;
					}
					this.retries.incrementAndGet();
					pause(wait, sent.completion);
				}
				if (delivered) {
					if (!sent.acknowledged) {
						this.relayed.addAndGet(sent.records.size());
					}
					sent.complete();
				}
				synchronized (this.lock) {
					sent.acknowledged = true;
					slide();
				}
			}
			logger.info("Kafka acknowledges again: relaying");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			failAll(new KafkaRelayException("The Kafka relay was closed while resending", ex));
		}
		catch (ExecutionException ex) {
			failAll(new KafkaRelayException("Unexpected failure of the Kafka relay", ex));
		}
		finally {
			synchronized (this.lock) {
				this.stalled = false;
				this.resender = null;
				this.waiting = null;
				this.lock.notifyAll();
			}
		}
	}

	private void failAll(KafkaRelayException failure) {
		List<Sent> window;
		synchronized (this.lock) {
			this.fatal = failure;
			window = new ArrayList<>(this.window);
		}
		settle(window, failure);
	}

	/** Fail (or, without a failure, abandon) batches that are not to be sent again, and drop them from the window. */
	private void settle(List<Sent> batches, @Nullable KafkaRelayException failure) {
		for (Sent sent : batches) {
			if (failure != null) {
				sent.fail(failure);
			}
			else {
				sent.abandon();
			}
		}
		synchronized (this.lock) {
			batches.forEach((sent) -> sent.acknowledged = true);
			slide();
		}
	}

	/** Back off, ending early when the batch is no longer waited for. */
	private void pause(long millis, BatchCompletion completion) throws InterruptedException {
		long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
		synchronized (this.lock) {
			for (long left = millis; left > 0 && !completion.cancelled() && !this.closed;
					left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())) {
				this.lock.wait(Math.min(left, 100));
			}
		}
	}

	/** The failure that made the last {@link #sendAll} return an index (the resending thread only). */
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
		TableKeys keys = this.keys;
		if (keys == null) {
			throw new IllegalStateException("The Kafka relay is used by a stream: give it to ChangeStreamBuilder.relay(...)");
		}
		byte[] key = this.format.key(change, keys.primaryKey(table));
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

	/** The stream's primary-key look-up (the stream's builder gives it). */
	@Override
	public void useKeys(TableKeys keys) {
		this.keys = keys;
	}

	@Override
	public @Nullable String inProgress() {
		return this.waiting;
	}

	/** @return how many records may wait for the broker's acknowledgement at once */
	public int maxInFlight() {
		return this.maxInFlight;
	}

	/** @return how many records the broker acknowledged so far */
	public long relayed() {
		return this.relayed.get();
	}

	/** @return how many times records were sent again because the broker had not acknowledged them */
	public long retries() {
		return this.retries.get();
	}

	/** Close the producer the relay made (records not yet acknowledged were not acknowledged to PostgreSQL either). */
	@Override
	public void close() throws Exception {
		Thread resending;
		synchronized (this.lock) {
			this.closed = true;
			resending = this.resender;
			this.lock.notifyAll();
		}
		if (resending != null) {
			resending.interrupt();
		}
		if (this.owned != null) {
			this.owned.close();
		}
	}

}
