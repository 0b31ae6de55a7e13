package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;
import org.jspecify.annotations.Nullable;

/**
 * The server has invalidated the durable replication slot: the WAL it needed was removed (it
 * fell further behind than {@code max_slot_wal_keep_size} allows) or, on a standby, rows it
 * needed were. The changes since its confirmed position can no longer be delivered; the stream
 * goes {@link StreamState#FAILED} unless {@link InvalidatedSlotPolicy#RECREATE} is chosen.
 */
public final class SlotInvalidatedException extends CdcConfigurationException {

	private final String slot;

	private final String reason;

	SlotInvalidatedException(String slot, String reason, @Nullable String walStatus, @Nullable String confirmedFlush) {
		super("Replication slot " + slot + " was invalidated by the server (" + reason + ")" + hint(walStatus, reason)
				+ ": the changes after " + ((confirmedFlush != null) ? confirmedFlush : "its confirmed position")
				+ " are gone from the server and cannot be delivered. To stream on and accept that loss, set"
				+ " cdc.slot.on-invalidated=recreate (onInvalidatedSlot(RECREATE)), or drop the slot and start again:"
				+ " SELECT pg_drop_replication_slot('" + slot + "'); (to prevent it, raise max_slot_wal_keep_size or"
				+ " keep the stream from falling that far behind).");
		this.slot = slot;
		this.reason = reason;
	}

	private static String hint(@Nullable String walStatus, String reason) {
		if (reason.contains("rows_removed") || reason.contains("conflicting")) {
			return ", because rows it needed were removed on the primary (enable hot_standby_feedback with a"
					+ " physical slot on the standby)";
		}
		if (reason.contains("idle_timeout")) {
			return ", because it was inactive longer than idle_replication_slot_timeout";
		}
		if (reason.contains("wal_level_insufficient")) {
			return ", because the primary's wal_level is no longer logical";
		}
		return "lost".equals(walStatus) ? ", because it retained more WAL than max_slot_wal_keep_size allows" : "";
	}

	/** @return the slot name */
	public String slot() {
		return this.slot;
	}

	/** @return the cause, as the server names it ({@code wal_status lost, invalidation_reason wal_removed}) */
	public String reason() {
		return this.reason;
	}

}
