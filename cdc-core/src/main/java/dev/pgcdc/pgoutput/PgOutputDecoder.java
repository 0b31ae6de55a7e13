package dev.pgcdc.pgoutput;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import dev.pgcdc.pgoutput.PgOutputMessage.Begin;
import dev.pgcdc.pgoutput.PgOutputMessage.BeginPrepare;
import dev.pgcdc.pgoutput.PgOutputMessage.Commit;
import dev.pgcdc.pgoutput.PgOutputMessage.CommitPrepared;
import dev.pgcdc.pgoutput.PgOutputMessage.Delete;
import dev.pgcdc.pgoutput.PgOutputMessage.Insert;
import dev.pgcdc.pgoutput.PgOutputMessage.Message;
import dev.pgcdc.pgoutput.PgOutputMessage.Origin;
import dev.pgcdc.pgoutput.PgOutputMessage.Prepare;
import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.pgoutput.PgOutputMessage.RollbackPrepared;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamAbort;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamCommit;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamPrepare;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStart;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStop;
import dev.pgcdc.pgoutput.PgOutputMessage.Truncate;
import dev.pgcdc.pgoutput.PgOutputMessage.Type;
import dev.pgcdc.pgoutput.PgOutputMessage.Update;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Decodes {@code pgoutput} messages (PostgreSQL "Logical Replication Message Formats",
 * protocol versions 1 to 4) into {@link PgOutputMessage} records.
 * <p>
 * The decoder is stateful: between Stream Start and Stream Stop the data messages carry the
 * xid of the streamed transaction, so it must see every message of one replication session in
 * order. Not thread-safe. Tuple values are not copied (see {@link TupleData}): a decoded message
 * is valid only as long as the bytes it was decoded from are not reused.
 */
public final class PgOutputDecoder {

	private static final StreamStop STREAM_STOP = new StreamStop();

	private final int protocolVersion;

	private final boolean parallelStreaming;

	private final MessageReader reader = new MessageReader();

	private boolean inStreamBlock;

	/**
	 * Create a decoder for one replication session.
	 * @param protocolVersion the {@code proto_version} the stream was started with (1 to 4)
	 * @param parallelStreaming whether it was started with {@code streaming 'parallel'}, which
	 * adds the abort LSN and timestamp to Stream Abort under protocol 4
	 */
	public PgOutputDecoder(int protocolVersion, boolean parallelStreaming) {
		if (protocolVersion < 1 || protocolVersion > 4) {
			throw new IllegalArgumentException(
					"pgoutput protocol version must be 1 to 4 (proto_version), but was " + protocolVersion);
		}
		this.protocolVersion = protocolVersion;
		this.parallelStreaming = parallelStreaming;
	}

	/** @return the protocol version this decoder reads */
	public int protocolVersion() {
		return this.protocolVersion;
	}

	/** @return whether the decoder is between a Stream Start and a Stream Stop */
	public boolean inStreamBlock() {
		return this.inStreamBlock;
	}

	/**
	 * Decode one message: the bytes from the buffer's position to its limit. The buffer's
	 * position is not changed. Heap buffers are read in place; others are copied once.
	 * @param message the message bytes (one {@code XLogData} payload or one row of
	 * {@code pg_logical_slot_get_binary_changes})
	 * @param walStart the LSN the message was sent at, used in error messages
	 * @return the decoded message
	 * @throws PgOutputException if the bytes are not a valid message
	 */
	public PgOutputMessage decode(ByteBuffer message, LogSequenceNumber walStart) {
		return decode(message, walStart.asLong());
	}

	/**
	 * Decode one message, as {@link #decode(ByteBuffer, LogSequenceNumber)}, with the LSN as a
	 * number: the read loop's form, which allocates no {@code LogSequenceNumber} per message.
	 * @param message the message bytes
	 * @param walStart the LSN the message was sent at, used in error messages
	 * @return the decoded message
	 * @throws PgOutputException if the bytes are not a valid message
	 */
	public PgOutputMessage decode(ByteBuffer message, long walStart) {
		if (message.hasArray()) {
			int start = message.arrayOffset() + message.position();
			this.reader.reset(message.array(), start, start + message.remaining(), walStart);
		}
		else {
			byte[] copy = new byte[message.remaining()];
			message.duplicate().get(copy);
			this.reader.reset(copy, 0, copy.length, walStart);
		}
		byte type = this.reader.readType();
		switch (type) {
			case 'B':
				return begin();
			case 'C':
				return commit();
			case 'O':
				return origin();
			case 'R':
				return relation();
			case 'Y':
				return type();
			case 'I':
				return insert();
			case 'U':
				return update();
			case 'D':
				return delete();
			case 'T':
				return truncate();
			case 'M':
				return message();
			case 'S':
				return streamStart();
			case 'E':
				return streamStop();
			case 'c':
				return streamCommit();
			case 'A':
				return streamAbort();
			case 'b':
				return beginPrepare();
			case 'P':
				return prepare();
			case 'K':
				return commitPrepared();
			case 'r':
				return rollbackPrepared();
			case 'p':
				return streamPrepare();
			default:
				throw new PgOutputException("Unknown pgoutput message type " + MessageReader.describe(type) + " at LSN "
						+ LogSequenceNumber.valueOf(walStart).asString());
		}
	}

	/** Begin: {@code Byte1('B') Int64 finalLsn, Int64 commitTimestamp, Int32 xid}. */
	private Begin begin() {
		return new Begin(this.reader.readLsn(), this.reader.readTimestamp(), this.reader.readXid());
	}

	/** Commit: {@code Byte1('C') Int8 flags, Int64 commitLsn, Int64 endLsn, Int64 commitTimestamp}. */
	private Commit commit() {
		return new Commit(this.reader.readInt8(), this.reader.readLsn(), this.reader.readLsn(),
				this.reader.readTimestamp());
	}

	/** Origin: {@code Byte1('O') Int64 commitLsn, String name}. */
	private Origin origin() {
		return new Origin(this.reader.readLsn(), this.reader.readString());
	}

	/**
	 * Relation: {@code Byte1('R') [Int32 xid] Int32 relationId, String namespace, String name,
	 * Int8 replicaIdentity, Int16 columnCount, {Int8 flags, String name, Int32 typeOid, Int32 typmod}*}.
	 */
	private Relation relation() {
		long xid = streamXid();
		int relationId = this.reader.readInt32();
		String namespace = this.reader.readString();
		String name = this.reader.readString();
		char replicaIdentity = (char) this.reader.readInt8();
		int count = this.reader.readInt16();
		List<Relation.Column> columns = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			columns.add(new Relation.Column(this.reader.readInt8(), this.reader.readString(), this.reader.readInt32(),
					this.reader.readInt32()));
		}
		return new Relation(xid, relationId, namespace, name, replicaIdentity, columns);
	}

	/** Type: {@code Byte1('Y') [Int32 xid] Int32 typeOid, String namespace, String name}. */
	private Type type() {
		long xid = streamXid();
		return new Type(xid, this.reader.readInt32(), this.reader.readString(), this.reader.readString());
	}

	/** Insert: {@code Byte1('I') [Int32 xid] Int32 relationId, Byte1('N') TupleData}. */
	private Insert insert() {
		long xid = streamXid();
		int relationId = this.reader.readInt32();
		expectTupleMarker('N', "new tuple");
		return new Insert(xid, relationId, tuple());
	}

	/**
	 * Update: {@code Byte1('U') [Int32 xid] Int32 relationId, [Byte1('K'|'O') TupleData],
	 * Byte1('N') TupleData}.
	 */
	private Update update() {
		long xid = streamXid();
		int relationId = this.reader.readInt32();
		byte marker = this.reader.readByte();
		char oldKind = 0;
		TupleData oldTuple = null;
		if (marker == 'K' || marker == 'O') {
			oldKind = (char) marker;
			oldTuple = tuple();
			marker = this.reader.readByte();
		}
		if (marker != 'N') {
			throw this.reader.malformed("expected tuple marker 'K', 'O' or 'N' but found " + MessageReader.describe(marker));
		}
		return new Update(xid, relationId, oldKind, oldTuple, tuple());
	}

	/** Delete: {@code Byte1('D') [Int32 xid] Int32 relationId, Byte1('K'|'O') TupleData}. */
	private Delete delete() {
		long xid = streamXid();
		int relationId = this.reader.readInt32();
		byte marker = this.reader.readByte();
		if (marker != 'K' && marker != 'O') {
			throw this.reader.malformed("expected tuple marker 'K' or 'O' but found " + MessageReader.describe(marker));
		}
		return new Delete(xid, relationId, (char) marker, tuple());
	}

	/** Truncate: {@code Byte1('T') [Int32 xid] Int32 relationCount, Int8 options, Int32 relationId*}. */
	private Truncate truncate() {
		long xid = streamXid();
		int count = this.reader.readInt32();
		int options = this.reader.readInt8();
		if (count < 0 || count > this.reader.remaining() / 4) {
			throw this.reader.malformed("relation count " + count + " does not fit the " + this.reader.remaining()
					+ " bytes left");
		}
		int[] relationIds = new int[count];
		for (int i = 0; i < count; i++) {
			relationIds[i] = this.reader.readInt32();
		}
		return new Truncate(xid, options, relationIds);
	}

	/** Message: {@code Byte1('M') [Int32 xid] Int8 flags, Int64 lsn, String prefix, Int32 length, Byte(n) content}. */
	private Message message() {
		long xid = streamXid();
		int flags = this.reader.readInt8();
		LogSequenceNumber lsn = this.reader.readLsn();
		String prefix = this.reader.readString();
		int length = this.reader.readLength("content");
		return new Message(xid, flags, lsn, prefix, this.reader.readBytes(length));
	}

	/** Stream Start: {@code Byte1('S') Int32 xid, Int8 firstSegment}. */
	private StreamStart streamStart() {
		StreamStart start = new StreamStart(this.reader.readXid(), this.reader.readInt8() == 1);
		this.inStreamBlock = true;
		return start;
	}

	/** Stream Stop: {@code Byte1('E')}. */
	private StreamStop streamStop() {
		this.inStreamBlock = false;
		return STREAM_STOP;
	}

	/** Stream Commit: {@code Byte1('c') Int32 xid, Int8 flags, Int64 commitLsn, Int64 endLsn, Int64 commitTimestamp}. */
	private StreamCommit streamCommit() {
		return new StreamCommit(this.reader.readXid(), this.reader.readInt8(), this.reader.readLsn(),
				this.reader.readLsn(), this.reader.readTimestamp());
	}

	/**
	 * Stream Abort: {@code Byte1('A') Int32 xid, Int32 subXid, [Int64 abortLsn, Int64 abortTimestamp]};
	 * the last two only with protocol 4 and {@code streaming 'parallel'}.
	 */
	private StreamAbort streamAbort() {
		long xid = this.reader.readXid();
		long subXid = this.reader.readXid();
		if (this.protocolVersion >= 4 && this.parallelStreaming) {
			return new StreamAbort(xid, subXid, this.reader.readLsn(), this.reader.readTimestamp());
		}
		return new StreamAbort(xid, subXid, null, null);
	}

	/** Begin Prepare: {@code Byte1('b') Int64 prepareLsn, Int64 endLsn, Int64 prepareTimestamp, Int32 xid, String gid}. */
	private BeginPrepare beginPrepare() {
		return new BeginPrepare(this.reader.readLsn(), this.reader.readLsn(), this.reader.readTimestamp(),
				this.reader.readXid(), this.reader.readString());
	}

	/** Prepare: {@code Byte1('P') Int8 flags, Int64 prepareLsn, Int64 endLsn, Int64 prepareTimestamp, Int32 xid, String gid}. */
	private Prepare prepare() {
		return new Prepare(this.reader.readInt8(), this.reader.readLsn(), this.reader.readLsn(),
				this.reader.readTimestamp(), this.reader.readXid(), this.reader.readString());
	}

	/**
	 * Commit Prepared: {@code Byte1('K') Int8 flags, Int64 commitLsn, Int64 endLsn, Int64 commitTimestamp,
	 * Int32 xid, String gid}.
	 */
	private CommitPrepared commitPrepared() {
		return new CommitPrepared(this.reader.readInt8(), this.reader.readLsn(), this.reader.readLsn(),
				this.reader.readTimestamp(), this.reader.readXid(), this.reader.readString());
	}

	/**
	 * Rollback Prepared: {@code Byte1('r') Int8 flags, Int64 prepareEndLsn, Int64 rollbackEndLsn,
	 * Int64 prepareTimestamp, Int64 rollbackTimestamp, Int32 xid, String gid}.
	 */
	private RollbackPrepared rollbackPrepared() {
		return new RollbackPrepared(this.reader.readInt8(), this.reader.readLsn(), this.reader.readLsn(),
				this.reader.readTimestamp(), this.reader.readTimestamp(), this.reader.readXid(),
				this.reader.readString());
	}

	/**
	 * Stream Prepare: {@code Byte1('p') Int8 flags, Int64 prepareLsn, Int64 endLsn, Int64 prepareTimestamp,
	 * Int32 xid, String gid}.
	 */
	private StreamPrepare streamPrepare() {
		return new StreamPrepare(this.reader.readInt8(), this.reader.readLsn(), this.reader.readLsn(),
				this.reader.readTimestamp(), this.reader.readXid(), this.reader.readString());
	}

	/**
	 * TupleData: {@code Int16 columnCount, {Byte1('n') | Byte1('u') | Byte1('t'|'b') Int32 length, Byte(n)}*}.
	 * Values stay in the message array; only their offsets are recorded.
	 */
	private TupleData tuple() {
		MessageReader in = this.reader;
		int count = in.readInt16();
		byte[] kinds = new byte[count];
		int[] offsets = new int[count];
		int[] lengths = new int[count];
		for (int i = 0; i < count; i++) {
			byte kind = in.readByte();
			kinds[i] = kind;
			switch (kind) {
				case TupleData.TEXT:
				case TupleData.BINARY:
					int length = in.readValueLength(i);
					lengths[i] = length;
					offsets[i] = in.skip(length);
					break;
				case TupleData.NULL:
				case TupleData.UNCHANGED_TOAST:
					offsets[i] = -1;
					lengths[i] = -1;
					break;
				default:
					throw in.malformed("unknown tuple column kind " + MessageReader.describe(kind) + " for column " + i
							+ " (expected 'n', 'u', 't' or 'b')");
			}
		}
		return new TupleData(kinds, in.array(), offsets, lengths);
	}

	private void expectTupleMarker(char expected, String what) {
		byte marker = this.reader.readByte();
		if (marker != expected) {
			throw this.reader.malformed("expected '" + expected + "' before the " + what + " but found "
					+ MessageReader.describe(marker));
		}
	}

	/** Inside a stream block, data messages start with the streamed transaction's xid. */
	private long streamXid() {
		return this.inStreamBlock ? this.reader.readXid() : 0L;
	}

}
