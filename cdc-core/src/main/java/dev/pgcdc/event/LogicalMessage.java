package dev.pgcdc.event;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * A message written with {@code pg_logical_emit_message(transactional, prefix, content)}.
 *
 * @param transactional whether the message was part of a transaction (delivered at its
 * commit, in WAL order with the row changes) or emitted immediately
 * @param prefix the prefix given to {@code pg_logical_emit_message}
 * @param content the raw content bytes
 * @param lsn the commit LSN for a transactional message, the message's own LSN otherwise
 * @param xid the transaction id, {@code 0} when not transactional
 * @param commitTimestamp the commit time, {@code null} when not transactional
 */
public record LogicalMessage(boolean transactional, String prefix, byte[] content, String lsn, long xid,
		@Nullable Instant commitTimestamp) implements CdcEvent {

	/**
	 * The content decoded as UTF-8.
	 * @return the content as text
	 */
	public String contentAsString() {
		return new String(this.content, StandardCharsets.UTF_8);
	}

	@Override
	public boolean equals(Object other) {
		return (other instanceof LogicalMessage that) && this.transactional == that.transactional
				&& this.xid == that.xid && this.prefix.equals(that.prefix) && Arrays.equals(this.content, that.content)
				&& this.lsn.equals(that.lsn) && java.util.Objects.equals(this.commitTimestamp, that.commitTimestamp);
	}

	@Override
	public int hashCode() {
		return java.util.Objects.hash(this.prefix, this.lsn, this.xid, Arrays.hashCode(this.content));
	}

	@Override
	public String toString() {
		return "LogicalMessage[prefix=" + this.prefix + ", transactional=" + this.transactional + ", lsn=" + this.lsn
				+ ", xid=" + this.xid + ", content=" + contentAsString() + "]";
	}

}
