package dev.pgcdc.stream;

import dev.pgcdc.event.TableName;
import org.jspecify.annotations.Nullable;

/**
 * A table is not where it was looked for: it does not exist in the database (subscribing or
 * adding it), or it is not subscribed (enabling, disabling or removing it at run time).
 */
public class CdcTableNotFoundException extends CdcConfigurationException {

	private final TableName table;

	/**
	 * @param table the table
	 * @param message what was looked for and what to check
	 */
	public CdcTableNotFoundException(TableName table, String message) {
		super(message);
		this.table = table;
	}

	/**
	 * @param table the table
	 * @param message what was looked for and what to check
	 * @param cause the underlying error
	 */
	public CdcTableNotFoundException(TableName table, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.table = table;
	}

	/** @return the table that was not found */
	public TableName table() {
		return this.table;
	}

}
