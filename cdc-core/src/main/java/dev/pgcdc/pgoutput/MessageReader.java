package dev.pgcdc.pgoutput;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.postgresql.replication.LogSequenceNumber;

/**
 * A cursor over one {@code pgoutput} message: big-endian reads straight from the backing
 * array, each bounds-checked so a cut-short message becomes a {@link PgOutputException}
 * instead of an index error. One instance is reused for every message of a decoder.
 */
final class MessageReader {

	/** Seconds from the Unix epoch to the PostgreSQL epoch (2000-01-01T00:00:00Z). */
	private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;

	private byte[] array = new byte[0];

	private int position;

	private int start;

	private int end;

	private byte type;

	// a long, so the reader needs no LogSequenceNumber per message: one is made only for an error
	private long walStart;

	void reset(byte[] array, int start, int end, long walStart) {
		this.array = array;
		this.start = start;
		this.position = start;
		this.end = end;
		this.walStart = walStart;
		this.type = 0;
	}

	/** Read the message type byte (the first one). */
	byte readType() {
		if (this.position >= this.end) {
			throw new PgOutputException("Empty pgoutput message at LSN " + walStart().asString());
		}
		this.type = this.array[this.position++];
		return this.type;
	}

	byte type() {
		return this.type;
	}

	LogSequenceNumber walStart() {
		return LogSequenceNumber.valueOf(this.walStart);
	}

	byte[] array() {
		return this.array;
	}

	int remaining() {
		return this.end - this.position;
	}

	byte readByte() {
		require(1, "Byte1");
		return this.array[this.position++];
	}

	int readInt8() {
		require(1, "Int8");
		return this.array[this.position++] & 0xFF;
	}

	int readInt16() {
		require(2, "Int16");
		byte[] a = this.array;
		int p = this.position;
		this.position = p + 2;
		return ((a[p] & 0xFF) << 8) | (a[p + 1] & 0xFF);
	}

	int readInt32() {
		require(4, "Int32");
		byte[] a = this.array;
		int p = this.position;
		this.position = p + 4;
		return (a[p] << 24) | ((a[p + 1] & 0xFF) << 16) | ((a[p + 2] & 0xFF) << 8) | (a[p + 3] & 0xFF);
	}

	/** Read an unsigned {@code TransactionId}. */
	long readXid() {
		return Integer.toUnsignedLong(readInt32());
	}

	long readInt64() {
		require(8, "Int64");
		byte[] a = this.array;
		int p = this.position;
		this.position = p + 8;
		return ((long) a[p] << 56) | ((long) (a[p + 1] & 0xFF) << 48) | ((long) (a[p + 2] & 0xFF) << 40)
				| ((long) (a[p + 3] & 0xFF) << 32) | ((long) (a[p + 4] & 0xFF) << 24) | ((a[p + 5] & 0xFF) << 16)
				| ((a[p + 6] & 0xFF) << 8) | (a[p + 7] & 0xFF);
	}

	LogSequenceNumber readLsn() {
		return LogSequenceNumber.valueOf(readInt64());
	}

	/** Read a {@code TimestampTz}: microseconds since 2000-01-01 UTC. */
	Instant readTimestamp() {
		long micros = readInt64();
		return Instant.ofEpochSecond(POSTGRES_EPOCH_SECONDS + Math.floorDiv(micros, 1_000_000L),
				Math.floorMod(micros, 1_000_000L) * 1_000L);
	}

	/** Read a NUL-terminated UTF-8 string. */
	String readString() {
		byte[] a = this.array;
		int from = this.position;
		for (int p = from; p < this.end; p++) {
			if (a[p] == 0) {
				this.position = p + 1;
				return new String(a, from, p - from, StandardCharsets.UTF_8);
			}
		}
		throw malformed("a String at offset " + (from - this.start) + " has no terminating NUL byte");
	}

	/** Read a length (an {@code Int32} that must be within the message). */
	int readLength(String what) {
		int length = readInt32();
		if (length < 0 || length > remaining()) {
			throw badLength(what, length);
		}
		return length;
	}

	/** Read the length of a tuple column value; the hot path, so no message is built unless needed. */
	int readValueLength(int column) {
		int length = readInt32();
		if (length < 0 || length > remaining()) {
			throw badLength("column " + column + " value", length);
		}
		return length;
	}

	private PgOutputException badLength(String what, int length) {
		return malformed(what + " length " + length + " at offset " + (this.position - 4 - this.start)
				+ " exceeds the " + remaining() + " bytes left");
	}

	byte[] readBytes(int length) {
		require(length, "Byte(n)");
		byte[] copy = new byte[length];
		System.arraycopy(this.array, this.position, copy, 0, length);
		this.position += length;
		return copy;
	}

	/** Skip bytes already validated by {@link #readLength}, returning where they started. */
	int skip(int length) {
		int at = this.position;
		this.position = at + length;
		return at;
	}

	private void require(int bytes, String field) {
		if (this.end - this.position < bytes) {
			throw truncated(field, bytes);
		}
	}

	private PgOutputException truncated(String field, int bytes) {
		return new PgOutputException("Truncated pgoutput message " + describeType() + " at LSN "
				+ walStart().asString() + ": needs " + bytes + " byte(s) for " + field + " at offset "
				+ (this.position - this.start) + " but the message is " + (this.end - this.start) + " bytes long");
	}

	PgOutputException malformed(String problem) {
		return new PgOutputException(
				"Malformed pgoutput message " + describeType() + " at LSN " + walStart().asString() + ": " + problem);
	}

	String describeType() {
		return describe(this.type);
	}

	static String describe(byte type) {
		char printable = (type >= 0x20 && type < 0x7F) ? (char) type : '?';
		return "'" + printable + "' (0x" + String.format("%02x", type & 0xFF) + ")";
	}

}
