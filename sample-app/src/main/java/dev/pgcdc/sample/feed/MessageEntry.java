package dev.pgcdc.sample.feed;

import org.jspecify.annotations.Nullable;

import dev.pgcdc.event.LogicalMessage;

/**
 * A logical message ({@code pg_logical_emit_message}) as the page shows it.
 *
 * @param prefix the message prefix
 * @param content the content as text
 * @param transactional whether it was committed with a transaction
 * @param commitTime the commit time (ISO-8601), {@code null} for a non-transactional message
 * @param lsn the LSN
 * @param xid the transaction id, {@code 0} when not transactional
 */
public record MessageEntry(String prefix, String content, boolean transactional, @Nullable String commitTime,
		String lsn, long xid) {

	/**
	 * Render a message.
	 * @param message the message
	 * @return the entry
	 */
	public static MessageEntry of(LogicalMessage message) {
		return new MessageEntry(message.prefix(), message.contentAsString(), message.transactional(),
				(message.commitTimestamp() != null) ? message.commitTimestamp().toString() : null, message.lsn(),
				message.xid());
	}

}
