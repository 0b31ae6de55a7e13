package dev.pgcdc.replication;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.EventPosition;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Source;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.pgoutput.PgOutputMessage;
import dev.pgcdc.pgoutput.PgOutputMessage.Begin;
import dev.pgcdc.pgoutput.PgOutputMessage.Commit;
import dev.pgcdc.pgoutput.PgOutputMessage.Delete;
import dev.pgcdc.pgoutput.PgOutputMessage.Insert;
import dev.pgcdc.pgoutput.PgOutputMessage.Message;
import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.pgoutput.PgOutputMessage.Truncate;
import dev.pgcdc.pgoutput.PgOutputMessage.Type;
import dev.pgcdc.pgoutput.PgOutputMessage.Update;
import dev.pgcdc.pgoutput.RelationCache;
import dev.pgcdc.pgoutput.TupleData;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the decoded messages of one replication session into batches of events.
 * <p>
 * Without {@code streaming}, the server sends a transaction only once it committed, and its
 * Begin already carries the commit LSN and time. So a transaction is cut into batches of at
 * most {@code batchSize} events that are handed on while the rest is still arriving: memory
 * stays bounded however large the transaction, and nothing is spooled.
 */
final class TransactionAssembler {

	private static final Logger logger = LoggerFactory.getLogger(TransactionAssembler.class);

	/** Receives finished batches; may block (back-pressure). */
	@FunctionalInterface
	interface Sink {

		void accept(QueuedBatch batch) throws Exception;

	}

	/**
	 * Prefix of the empty non-transactional message that earlier pgcdc versions emitted when
	 * stopping, to wake their reader (this one wakes it with a status update and writes nothing).
	 * Such messages may still sit in the WAL or come from an older instance on the same
	 * database: never delivered.
	 */
	static final String WAKE_UP_PREFIX = "pgcdc.wakeup";

	/**
	 * A batch is also cut once its values reach this many bytes (as sent), so a transaction of
	 * very wide rows cannot fill the queue with gigabytes.
	 */
	static final long MAX_BATCH_BYTES = 4L * 1024 * 1024;

	private final RelationCache relations = new RelationCache();

	private final Map<Integer, Source> sources = new HashMap<>();

	private final TypeRegistry types;

	private final RowDecoder rows;

	private final String serverVersion;

	private final String database;

	private final int batchSize;

	private final AckTracker ack;

	private final Sink sink;

	private final boolean binary;

	private @Nullable Begin begin;

	private String commitLsn = "";

	/** The commit LSN part of the positions of this transaction's events. */
	private char[] positionPrefix = EventPosition.prefix(0);

	/** The index of the transaction's next event (row changes and transactional messages). */
	private int nextIndex;

	private List<CdcEvent> chunk = new ArrayList<>();

	private boolean firstSent;

	private long chunkBytes;

	TransactionAssembler(TypeRegistry types, ServerInfo server, int batchSize, boolean binary, AckTracker ack,
			Sink sink) {
		this.binary = binary;
		this.types = types;
		this.rows = new RowDecoder(types);
		this.serverVersion = server.version();
		this.database = server.database();
		this.batchSize = batchSize;
		this.ack = ack;
		this.sink = sink;
	}

	/**
	 * @param message the next message of the session
	 * @param lsn the position it was sent at (a number, so the read loop makes no LSN object per message)
	 * @throws Exception when the sink fails or is interrupted
	 */
	void accept(PgOutputMessage message, long lsn) throws Exception {
		if (message instanceof Insert insert) {
			Relation relation = this.relations.get(insert.relationId());
			Set<String> toast = unchangedToastHolder(insert.newTuple());
			Map<String, @Nullable Object> row = this.rows.newRow(relation, insert.newTuple(), null, toast);
			add(event(Operation.INSERT, relation, row, null, toast), bytes(insert.newTuple()));
		}
		else if (message instanceof Update update) {
			Relation relation = this.relations.get(update.relationId());
			Map<String, @Nullable Object> old = (update.oldTuple() != null)
					? this.rows.oldRow(relation, update.oldKind(), update.oldTuple()) : null;
			Set<String> toast = unchangedToastHolder(update.newTuple());
			Map<String, @Nullable Object> row = this.rows.newRow(relation, update.newTuple(), old, toast);
			add(event(Operation.UPDATE, relation, row, old, toast),
					bytes(update.newTuple()) + ((update.oldTuple() != null) ? bytes(update.oldTuple()) : 0));
		}
		else if (message instanceof Delete delete) {
			Relation relation = this.relations.get(delete.relationId());
			add(event(Operation.DELETE, relation, null, this.rows.oldRow(relation, delete.oldKind(), delete.oldTuple()),
					Set.of()), bytes(delete.oldTuple()));
		}
		else if (message instanceof Begin started) {
			begin(started);
		}
		else if (message instanceof Commit commit) {
			commit(commit);
		}
		else if (message instanceof Relation relation) {
			if (this.binary) {
				BinaryFormat.check(relation, this.types);
			}
			this.relations.put(relation);
			this.sources.remove(relation.relationId());
		}
		else if (message instanceof Truncate truncate) {
			for (int relationId : truncate.relationIds()) {
				add(event(Operation.TRUNCATE, this.relations.get(relationId), null, null, Set.of()), 0);
			}
		}
		else if (message instanceof Type type) {
			this.types.register(type.typeOid(), type.namespace(), type.name());
		}
		else if (message instanceof Message logical) {
			message(logical);
		}
		else {
			// Origin, and streaming or two-phase messages, which this stream does not request
			if (logger.isDebugEnabled()) {
				logger.debug("Ignoring {} at {}", message, LogSequenceNumber.valueOf(lsn).asString());
			}
		}
	}

	private void begin(Begin started) {
		this.begin = started;
		this.commitLsn = started.finalLsn().asString();
		this.positionPrefix = EventPosition.prefix(started.finalLsn().asLong());
		this.nextIndex = 0;
		this.chunk = new ArrayList<>(Math.min(this.batchSize, 256));
		this.chunkBytes = 0;
		this.firstSent = false;
		this.ack.opened();
	}

	private void commit(Commit commit) throws Exception {
		Begin started = requireTransaction("Commit");
		if (this.chunk.isEmpty() && !this.firstSent) {
			this.sink.accept(new QueuedBatch(null, commit.endLsn()));
		}
		else {
			this.sink.accept(new QueuedBatch(batch(started, true), commit.endLsn()));
		}
		this.begin = null;
		this.chunk = new ArrayList<>();
	}

	private void message(Message message) throws Exception {
		if (!message.transactional() && WAKE_UP_PREFIX.equals(message.prefix())) {
			// written by an older pgcdc stopping: not an event
			return;
		}
		if (Heartbeat.PREFIX.equals(message.prefix())) {
			// a heartbeat: not an event, but something to acknowledge (inside a transaction, its commit is)
			if (!message.transactional()) {
				this.ack.opened();
				this.sink.accept(new QueuedBatch(null, LogSequenceNumber.valueOf(message.lsn().asLong() + 1)));
			}
			else if (this.begin != null) {
				// it takes its index all the same, as every transactional message does
				this.nextIndex++;
			}
			return;
		}
		Begin started = this.begin;
		if (message.transactional() && started != null) {
			// a transactional message takes an index too, so the rows' positions do not depend on
			// whether messages are delivered
			this.nextIndex++;
			add(new LogicalMessage(true, message.prefix(), message.content(), this.commitLsn, started.xid(),
					started.commitTimestamp()), message.content().length);
			return;
		}
		LogicalMessage event = new LogicalMessage(false, message.prefix(), message.content(),
				message.lsn().asString(), 0, null);
		this.ack.opened();
		// acknowledged at its position, the end of its record: a restart skips the records that start before it
		// (the message) but not the commit record that often starts right there (the emitting transaction's)
		this.sink.accept(new QueuedBatch(new TransactionBatch(0, event.lsn(), null, List.of(event), true, true),
				message.lsn()));
	}

	private void add(CdcEvent event, long bytes) throws Exception {
		Begin started = requireTransaction("row change");
		if (this.chunk.size() >= this.batchSize || this.chunkBytes >= MAX_BATCH_BYTES) {
			// more follows, so this chunk is not the transaction's last
			this.sink.accept(new QueuedBatch(batch(started, false), null));
			this.chunk = new ArrayList<>(Math.min(this.batchSize, 256));
			this.chunkBytes = 0;
		}
		this.chunk.add(event);
		this.chunkBytes += bytes;
	}

	private static long bytes(TupleData tuple) {
		long total = 0;
		for (int i = 0; i < tuple.size(); i++) {
			total += Math.max(0, tuple.length(i));
		}
		return total;
	}

	private TransactionBatch batch(Begin started, boolean last) {
		TransactionBatch batch = new TransactionBatch(started.xid(), this.commitLsn, started.commitTimestamp(), this.chunk,
				!this.firstSent, last);
		this.firstSent = true;
		return batch;
	}

	private ChangeEvent event(Operation operation, Relation relation, @Nullable Map<String, @Nullable Object> newRow,
			@Nullable Map<String, @Nullable Object> oldRow, Set<String> unchangedToast) {
		Begin started = requireTransaction(operation.name());
		Instant commitTime = started.commitTimestamp();
		return ChangeEvent.of(operation, source(relation), newRow, oldRow, unchangedToast, commitTime, this.commitLsn,
				started.xid(), EventPosition.of(this.positionPrefix, this.nextIndex++));
	}

	private Source source(Relation relation) {
		Source source = this.sources.get(relation.relationId());
		if (source == null) {
			Map<String, String> columns = new LinkedHashMap<>();
			for (Relation.Column column : relation.columns()) {
				columns.put(column.name(), this.types.typeName(column.typeOid()));
			}
			source = new Source(Source.NAME, this.serverVersion, this.database, relation.namespace(), relation.name(),
					columns);
			this.sources.put(relation.relationId(), source);
		}
		return source;
	}

	private Begin requireTransaction(String what) {
		Begin started = this.begin;
		if (started == null) {
			throw new IllegalStateException("pgoutput sent a " + what + " outside of a transaction");
		}
		return started;
	}

	/**
	 * A set for the unchanged TOASTed columns of a tuple: a fresh one only when the tuple has
	 * such columns (rare), so the common row allocates nothing.
	 */
	private static Set<String> unchangedToastHolder(TupleData tuple) {
		for (int i = 0; i < tuple.size(); i++) {
			if (tuple.kind(i) == TupleData.UNCHANGED_TOAST) {
				return new LinkedHashSet<>();
			}
		}
		return Set.of();
	}

}
