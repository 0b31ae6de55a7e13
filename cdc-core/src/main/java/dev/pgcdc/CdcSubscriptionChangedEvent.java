package dev.pgcdc;

import org.springframework.context.ApplicationEvent;

/**
 * Published by {@link CdcSubscriptions} after each change it made, on the caller's thread.
 */
public class CdcSubscriptionChangedEvent extends ApplicationEvent {

	private final String table;

	private final Change change;

	/**
	 * @param source the subscriptions that made the change
	 * @param table the table, {@code schema.name}
	 * @param change what changed
	 */
	public CdcSubscriptionChangedEvent(CdcSubscriptions source, String table, Change change) {
		super(source);
		this.table = table;
		this.change = change;
	}

	@Override
	public CdcSubscriptions getSource() {
		return (CdcSubscriptions) super.getSource();
	}

	/** @return the table, {@code schema.name} */
	public String getTable() {
		return this.table;
	}

	/** @return what changed */
	public Change getChange() {
		return this.change;
	}

	@Override
	public String toString() {
		return "CdcSubscriptionChangedEvent[" + this.table + " " + this.change + "]";
	}

	/** The kinds of change. */
	public enum Change {

		/** Added to the subscription and the publication. */
		ADDED,

		/** Removed from the subscription and the publication. */
		REMOVED,

		/** Dispatch resumed from the next transaction on. */
		ENABLED,

		/** Dispatch stopped from the next transaction on. */
		DISABLED

	}

}
