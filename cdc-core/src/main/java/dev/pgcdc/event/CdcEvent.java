package dev.pgcdc.event;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * Anything the stream delivers inside (or, for non-transactional messages, outside) a
 * transaction: a row change or a logical decoding message. The dispatcher receives them in
 * WAL order.
 */
public sealed interface CdcEvent permits ChangeEvent, LogicalMessage {

	/**
	 * The LSN that identifies this event's transaction for acknowledgement: the commit LSN of
	 * its transaction, or the message LSN of a non-transactional message.
	 * @return the LSN in PostgreSQL's {@code X/X} notation
	 */
	String lsn();

	/**
	 * The transaction id, or {@code 0} for a non-transactional message.
	 * @return the xid
	 */
	long xid();

	/**
	 * The commit time of the transaction; {@code null} for a non-transactional message.
	 * @return the commit timestamp
	 */
	@Nullable Instant commitTimestamp();

}
