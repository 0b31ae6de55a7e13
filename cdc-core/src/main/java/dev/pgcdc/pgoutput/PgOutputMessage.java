package dev.pgcdc.pgoutput;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;

/**
 * A decoded {@code pgoutput} message (PostgreSQL "Logical Replication Message Formats",
 * protocol versions 1 to 4). Each nested record mirrors one wire message; fields that only
 * exist inside a streamed transaction ({@code streamXid}) are {@code 0} outside of one.
 */
public sealed interface PgOutputMessage {

	/**
	 * A message that may be sent inside a streamed transaction (protocol 2+), where it carries
	 * the xid of the (sub)transaction it belongs to.
	 */
	interface Streamable {

		/** @return the (sub)transaction id inside a stream block, {@code 0} outside of one */
		long streamXid();

	}

	/** {@code B}: a transaction starts; {@code finalLsn} is the LSN of its commit record. */
	record Begin(LogSequenceNumber finalLsn, Instant commitTimestamp, long xid) implements PgOutputMessage {
	}

	/** {@code C}: the transaction started by the last {@link Begin} committed. */
	record Commit(int flags, LogSequenceNumber commitLsn, LogSequenceNumber endLsn, Instant commitTimestamp)
			implements PgOutputMessage {
	}

	/** {@code O}: the transaction originated on another node (replication origin). */
	record Origin(LogSequenceNumber commitLsn, String name) implements PgOutputMessage {
	}

	/** {@code R}: describes a table; always sent before the first change of that table in a session. */
	record Relation(long streamXid, int relationId, String namespace, String name, char replicaIdentity,
			List<Column> columns) implements PgOutputMessage, Streamable {

		public Relation {
			columns = List.copyOf(columns);
		}

		/**
		 * One column of a {@link Relation}.
		 * @param flags {@code 1} when the column is part of the replica identity key
		 * @param name the column name
		 * @param typeOid the column's type OID
		 * @param typeModifier the type modifier ({@code atttypmod})
		 */
		public record Column(int flags, String name, int typeOid, int typeModifier) {

			/** @return whether the column is part of the key sent as old values */
			public boolean isKey() {
				return (this.flags & 1) != 0;
			}
		}
	}

	/** {@code Y}: names a data type that is not built in, before its first use. */
	record Type(long streamXid, int typeOid, String namespace, String name) implements PgOutputMessage, Streamable {
	}

	/** {@code I}: a row was inserted. */
	record Insert(long streamXid, int relationId, TupleData newTuple) implements PgOutputMessage, Streamable {
	}

	/**
	 * {@code U}: a row was updated. {@code oldKind} is {@code 'K'} (key columns only),
	 * {@code 'O'} (the whole old row) or {@code 0} when no old tuple was sent.
	 */
	record Update(long streamXid, int relationId, char oldKind, @Nullable TupleData oldTuple, TupleData newTuple)
			implements PgOutputMessage, Streamable {
	}

	/** {@code D}: a row was deleted; {@code oldKind} is {@code 'K'} or {@code 'O'}. */
	record Delete(long streamXid, int relationId, char oldKind, TupleData oldTuple) implements PgOutputMessage, Streamable {
	}

	/** {@code T}: tables were truncated. */
	record Truncate(long streamXid, int options, int[] relationIds) implements PgOutputMessage, Streamable {

		/** Option bit: {@code TRUNCATE ... CASCADE}. */
		public static final int CASCADE = 1;

		/** Option bit: {@code TRUNCATE ... RESTART IDENTITY}. */
		public static final int RESTART_IDENTITY = 2;

		/** @return whether CASCADE was given */
		public boolean cascade() {
			return (this.options & CASCADE) != 0;
		}

		/** @return whether RESTART IDENTITY was given */
		public boolean restartIdentity() {
			return (this.options & RESTART_IDENTITY) != 0;
		}

		@Override
		public boolean equals(Object other) {
			return (other instanceof Truncate) && ((Truncate) other).streamXid == this.streamXid
					&& ((Truncate) other).options == this.options
					&& Arrays.equals(((Truncate) other).relationIds, this.relationIds);
		}

		@Override
		public int hashCode() {
			return Objects.hash(this.streamXid, this.options) * 31 + Arrays.hashCode(this.relationIds);
		}

		@Override
		public String toString() {
			return "Truncate[streamXid=" + this.streamXid + ", options=" + this.options + ", relationIds="
					+ Arrays.toString(this.relationIds) + "]";
		}
	}

	/** {@code M}: a {@code pg_logical_emit_message}; flag bit 1 means transactional. */
	record Message(long streamXid, int flags, LogSequenceNumber lsn, String prefix, byte[] content)
			implements PgOutputMessage, Streamable {

		/** @return whether the message was emitted inside a transaction */
		public boolean transactional() {
			return (this.flags & 1) != 0;
		}

		@Override
		public boolean equals(Object other) {
			if (!(other instanceof Message)) {
				return false;
			}
			Message that = (Message) other;
			return that.streamXid == this.streamXid && that.flags == this.flags && that.lsn.equals(this.lsn)
					&& that.prefix.equals(this.prefix) && Arrays.equals(that.content, this.content);
		}

		@Override
		public int hashCode() {
			return Objects.hash(this.streamXid, this.flags, this.lsn, this.prefix) * 31 + Arrays.hashCode(this.content);
		}

		@Override
		public String toString() {
			return "Message[streamXid=" + this.streamXid + ", flags=" + this.flags + ", lsn=" + this.lsn.asString()
					+ ", prefix=" + this.prefix + ", content=" + this.content.length + " bytes]";
		}
	}

	/** {@code S}: a chunk of an in-progress transaction starts (protocol 2+). */
	record StreamStart(long xid, boolean firstSegment) implements PgOutputMessage {
	}

	/** {@code E}: the current chunk of an in-progress transaction ends (protocol 2+). */
	record StreamStop() implements PgOutputMessage {
	}

	/** {@code c}: a streamed transaction committed (protocol 2+). */
	record StreamCommit(long xid, int flags, LogSequenceNumber commitLsn, LogSequenceNumber endLsn,
			Instant commitTimestamp) implements PgOutputMessage {
	}

	/**
	 * {@code A}: a streamed (sub)transaction aborted (protocol 2+); {@code abortLsn} and
	 * {@code abortTimestamp} are only sent with protocol 4 parallel streaming, else null.
	 */
	record StreamAbort(long xid, long subXid, @Nullable LogSequenceNumber abortLsn, @Nullable Instant abortTimestamp)
			implements PgOutputMessage {
	}

	/** {@code b}: a prepared transaction starts (protocol 3+, {@code two_phase}). */
	record BeginPrepare(LogSequenceNumber prepareLsn, LogSequenceNumber endLsn, Instant prepareTimestamp, long xid,
			String gid) implements PgOutputMessage {
	}

	/** {@code P}: the transaction started by the last {@link BeginPrepare} was prepared (protocol 3+). */
	record Prepare(int flags, LogSequenceNumber prepareLsn, LogSequenceNumber endLsn, Instant prepareTimestamp,
			long xid, String gid) implements PgOutputMessage {
	}

	/** {@code K}: a prepared transaction committed ({@code COMMIT PREPARED}, protocol 3+). */
	record CommitPrepared(int flags, LogSequenceNumber commitLsn, LogSequenceNumber endLsn, Instant commitTimestamp,
			long xid, String gid) implements PgOutputMessage {
	}

	/** {@code r}: a prepared transaction rolled back ({@code ROLLBACK PREPARED}, protocol 3+). */
	record RollbackPrepared(int flags, LogSequenceNumber prepareEndLsn, LogSequenceNumber rollbackEndLsn,
			Instant prepareTimestamp, Instant rollbackTimestamp, long xid, String gid) implements PgOutputMessage {
	}

	/** {@code p}: a streamed transaction was prepared (protocol 3+). */
	record StreamPrepare(int flags, LogSequenceNumber prepareLsn, LogSequenceNumber endLsn, Instant prepareTimestamp,
			long xid, String gid) implements PgOutputMessage {
	}

}
