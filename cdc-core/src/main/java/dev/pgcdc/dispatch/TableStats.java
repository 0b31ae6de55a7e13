package dev.pgcdc.dispatch;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * Live state of one table in the dispatcher: whether it is enabled, and its event counters.
 * {@link #setEnabled(boolean)} takes effect at the next transaction boundary.
 */
public final class TableStats {

	private volatile boolean enabled = true;

	private final AtomicLong events = new AtomicLong();

	private final AtomicLong filtered = new AtomicLong();

	private final AtomicLong ignored = new AtomicLong();

	private volatile @Nullable Instant lastEventTime;

	void countReceived(Instant commitTime) {
		this.events.incrementAndGet();
		this.lastEventTime = commitTime;
	}

	void countFiltered() {
		this.filtered.incrementAndGet();
	}

	void countIgnored() {
		this.ignored.incrementAndGet();
	}

	/** @return whether events of this table are dispatched */
	public boolean isEnabled() {
		return this.enabled;
	}

	/**
	 * Enable or disable dispatch for this table, from the next transaction on. Events of a
	 * disabled table are acknowledged without being handled.
	 * @param enabled whether to dispatch
	 */
	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	/** @return events received for this table while it was enabled */
	public long events() {
		return this.events.get();
	}

	/** @return events skipped by the table's own filters ({@code cdc.table.<name>.*}) */
	public long filtered() {
		return this.filtered.get();
	}

	/** @return events ignored while the table was disabled */
	public long ignored() {
		return this.ignored.get();
	}

	/** @return the commit time of the last event received, if any */
	public @Nullable Instant lastEventTime() {
		return this.lastEventTime;
	}

}
