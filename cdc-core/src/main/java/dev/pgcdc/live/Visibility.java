package dev.pgcdc.live;

import java.util.Arrays;

/**
 * Which transactions a catch-up query saw: {@code pg_current_snapshot()} of its repeatable-read
 * transaction ({@code xmin:xmax:xip}, 64-bit transaction ids). A transaction is visible when it
 * committed before the snapshot: below {@code xmin}, or below {@code xmax} and not in progress.
 * Its changes are in the query's result; every other transaction's changes are not, and the
 * stream delivers them (Electric's merge of a snapshot with the log).
 */
final class Visibility {

	private final long xmin;

	private final long xmax;

	private final long[] inProgress;

	private Visibility(long xmin, long xmax, long[] inProgress) {
		this.xmin = xmin;
		this.xmax = xmax;
		this.inProgress = inProgress;
	}

	/**
	 * @param text {@code pg_snapshot} text: {@code xmin:xmax:xip1,xip2,...}
	 * @return the snapshot
	 * @throws IllegalArgumentException if it is not one
	 */
	static Visibility parse(String text) {
		String[] parts = text.split(":", -1);
		if (parts.length != 3) {
			throw new IllegalArgumentException("Not a snapshot: " + text);
		}
		long[] xip = parts[2].isEmpty() ? new long[0]
				: Arrays.stream(parts[2].split(",")).mapToLong(Long::parseLong).sorted().toArray();
		return new Visibility(Long.parseLong(parts[0]), Long.parseLong(parts[1]), xip);
	}

	/**
	 * @param xid a transaction id as the stream gives it (32 bits, unsigned)
	 * @return whether the snapshot saw that transaction's changes
	 */
	boolean isVisible(long xid) {
		// the 32-bit id is the one nearest to xmax: transactions of the stream are at most 2^31 away
		long full = this.xmax + (int) ((xid & 0xFFFF_FFFFL) - (this.xmax & 0xFFFF_FFFFL));
		if (full < this.xmin) {
			return true;
		}
		return full < this.xmax && Arrays.binarySearch(this.inProgress, full) < 0;
	}

	/**
	 * @param xids transactions the stream delivered before this snapshot was taken
	 * @return whether it saw all of them
	 */
	boolean sawAll(long[] xids) {
		for (long xid : xids) {
			if (!isVisible(xid)) {
				return false;
			}
		}
		return true;
	}

	@Override
	public String toString() {
		return this.xmin + ":" + this.xmax + ":" + this.inProgress.length + " in progress";
	}

}
