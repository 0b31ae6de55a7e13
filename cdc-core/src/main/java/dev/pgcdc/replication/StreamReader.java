package dev.pgcdc.replication;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import dev.pgcdc.pgoutput.PgOutputDecoder;
import dev.pgcdc.pgoutput.PgOutputMessage;
import dev.pgcdc.pgoutput.PgOutputMessage.Begin;
import dev.pgcdc.pgoutput.PgOutputMessage.Commit;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamCommit;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The read loop of one session, on the reader thread: a blocking {@code read()}, decoding,
 * assembly into batches, and handing them to the dispatcher. When the dispatcher's queue is
 * full the loop stops reading (so TCP back-pressure reaches the walsender and memory stays
 * bounded) but keeps sending standby status updates, so a slow handler never runs into
 * {@code wal_sender_timeout}.
 */
final class StreamReader {

	/** Thrown out of the read loop when the stream is stopping or the dispatcher failed. */
	static final class StoppedException extends RuntimeException {

		StoppedException() {
			super("stream stopping", null, false, false);
		}

	}

	private final ReplicationCopyStream stream;

	private final PgOutputDecoder decoder;

	private final TransactionAssembler assembler;

	private final HandoffQueue dispatcher;

	private final AckTracker ack;

	private final StreamStatistics statistics;

	private final BooleanSupplier stopRequested;

	private final long offerMillis;

	private final TypeRegistry types;

	private final ServerInfo server;

	private final int batchSize;

	private final int protocolVersion;

	private final @Nullable TransactionSpool spool;

	private final boolean binary;

	StreamReader(ReplicationSession session, ServerInfo server, StreamSettings settings, TypeRegistry types,
			HandoffQueue dispatcher, AckTracker ack, StreamStatistics statistics, BooleanSupplier stopRequested) {
		this.stream = session.stream();
		this.decoder = new PgOutputDecoder(session.protocolVersion(), false);
		this.binary = session.binary();
		this.assembler = new TransactionAssembler(types, server, settings.batchSize(), this.binary, ack, this::enqueue);
		this.dispatcher = dispatcher;
		this.ack = ack;
		this.statistics = statistics;
		this.stopRequested = stopRequested;
		this.offerMillis = Math.max(1, Math.min(1000, settings.statusInterval().toMillis()));
		this.types = types;
		this.server = server;
		this.batchSize = settings.batchSize();
		this.protocolVersion = session.protocolVersion();
		this.spool = session.streaming() ? new TransactionSpool() : null;
	}

	/**
	 * Read until the stream is stopped (returns) or fails (throws).
	 * @throws Exception when the connection fails, a message cannot be decoded, or the stream stops
	 */
	void run() throws Exception {
		try {
			while (!this.stopRequested.getAsBoolean()) {
				ByteBuffer buffer = this.stream.read();
				if (buffer == null) {
					if (this.stream.isClosed()) {
						throw new SQLException("The server ended the replication stream", "08006");
					}
					// woken up by a stopping stream (see ReplicationCopyStream#wake): look at the stop flag
					continue;
				}
				// the position as a number: a LogSequenceNumber per message would be garbage on the hot path
				long lsn = this.stream.lastReceived();
				this.statistics.data(lsn);
				PgOutputMessage message = this.decoder.decode(buffer, lsn);
				TransactionSpool streamed = this.spool;
				if (streamed != null && streamed.takes(message)) {
					streamed.accept(message, buffer, this::replay);
				}
				else {
					this.assembler.accept(message, lsn);
				}
			}
		}
		finally {
			if (this.spool != null) {
				// unfinished streamed transactions are sent again from the start after a reconnect
				this.spool.close();
			}
		}
	}

	/**
	 * Deliver a streamed transaction that committed, as an ordinary one. It is decoded with a
	 * decoder and relation cache of its own: the server describes every table again inside
	 * each streamed transaction, possibly as that transaction changed it.
	 */
	private void replay(StreamCommit commit, Iterable<byte[]> messages) throws Exception {
		PgOutputDecoder replayDecoder = new PgOutputDecoder(this.protocolVersion, false);
		replayDecoder.decode(streamStart(commit.xid()), commit.commitLsn());
		TransactionAssembler replayAssembler = new TransactionAssembler(this.types, this.server, this.batchSize,
				this.binary, this.ack, this::enqueue);
		long commitLsn = commit.commitLsn().asLong();
		replayAssembler.accept(new Begin(commit.commitLsn(), commit.commitTimestamp(), commit.xid()), commitLsn);
		for (byte[] message : messages) {
			replayAssembler.accept(replayDecoder.decode(ByteBuffer.wrap(message), commitLsn), commitLsn);
		}
		replayAssembler.accept(new Commit(commit.flags(), commit.commitLsn(), commit.endLsn(), commit.commitTimestamp()),
				commit.endLsn().asLong());
	}

	private static ByteBuffer streamStart(long xid) {
		// Stream Start: Byte1('S') Int32 xid Int8 firstSegment
		return ByteBuffer.allocate(6).put((byte) 'S').putInt((int) xid).put((byte) 0).flip();
	}

	private void enqueue(QueuedBatch batch) throws SQLException, InterruptedException {
		while (!this.dispatcher.offer(batch, this.offerMillis, TimeUnit.MILLISECONDS)) {
			if (this.stopRequested.getAsBoolean() || this.dispatcher.failed()) {
				throw new StoppedException();
			}
			if (this.dispatcher.discarding()) {
				// the session is being given up without acknowledging (see HandoffQueue): reconnect
				throw new SQLException("Giving up the session: a handler's database is unavailable", "08006");
			}
			// the handler is slow: tell the walsender how far we got, and from time to time that we are alive
			LogSequenceNumber flushed = this.ack.flushed();
			if (flushed.asLong() != 0) {
				this.stream.setFlushedLSN(flushed);
				this.stream.setAppliedLSN(flushed);
			}
			this.stream.forceUpdateStatus();
		}
	}

}
