package dev.pgcdc.replication;

import dev.pgcdc.event.TableName;

/** A table to subscribe does not exist in the database. */
public class TableNotFoundException extends CdcConfigurationException {

	private final TableName table;

	/**
	 * @param table the table
	 * @param message what was looked for and what to check
	 */
	public TableNotFoundException(TableName table, String message) {
		super(message);
		this.table = table;
	}

	/** @return the table that was not found */
	public TableName table() {
		return this.table;
	}

}
