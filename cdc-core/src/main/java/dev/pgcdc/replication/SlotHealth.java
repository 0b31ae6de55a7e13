package dev.pgcdc.replication;

import org.jspecify.annotations.Nullable;

/**
 * The replication slot as the server last described it ({@code pg_replication_slots}), asked
 * in the background with the lag (see {@link ChangeStream#slotHealth()}).
 *
 * @param walStatus {@code reserved} (within {@code max_wal_size}), {@code extended} (within
 * {@code wal_keep_size} or {@code max_slot_wal_keep_size}), {@code unreserved} (the WAL it
 * needs is due for removal at the next checkpoint) or {@code lost} (removed: the slot is
 * invalidated); {@code null} when unknown
 * @param safeWalSize bytes of WAL that can still be written before the slot is in danger of
 * invalidation; {@code null} when {@code max_slot_wal_keep_size} is unlimited ({@code -1}) or
 * unknown
 * @param invalidationReason why the server invalidated the slot ({@code wal_removed},
 * {@code rows_removed}, {@code wal_level_insufficient}, {@code idle_timeout}...), {@code null}
 * while it is valid. PostgreSQL 17+ names it; before, {@code lost} reads as
 * {@code wal_removed} and a conflicting slot (16) as {@code conflicting}
 * @param retainedBytes WAL the slot holds on the server ({@code pg_current_wal_lsn()} minus
 * its {@code restart_lsn}); {@code null} when unknown
 */
public record SlotHealth(@Nullable String walStatus, @Nullable Long safeWalSize, @Nullable String invalidationReason,
		@Nullable Long retainedBytes) {

	/** Nothing known. */
	public static final SlotHealth UNKNOWN = new SlotHealth(null, null, null, null);

	/**
	 * @param walStatus the slot's {@code wal_status}
	 * @param invalidationReason its {@code invalidation_reason} (PostgreSQL 17+)
	 * @param conflicting its {@code conflicting} (PostgreSQL 16+)
	 * @return the reason the slot is invalidated, {@code null} when it is not
	 */
	static @Nullable String invalidation(@Nullable String walStatus, @Nullable String invalidationReason,
			boolean conflicting) {
		if (invalidationReason != null) {
			return invalidationReason;
		}
		if (conflicting) {
			return "conflicting";
		}
		return "lost".equals(walStatus) ? "wal_removed" : null;
	}

	static String reason(@Nullable String walStatus, @Nullable String invalidationReason, boolean conflicting) {
		String reason = invalidation(walStatus, invalidationReason, conflicting);
		return "wal_status " + walStatus + ((reason != null) ? ", invalidation_reason " + reason : "");
	}

	/** @return whether the server has invalidated the slot */
	public boolean invalidated() {
		return this.invalidationReason != null;
	}

}
