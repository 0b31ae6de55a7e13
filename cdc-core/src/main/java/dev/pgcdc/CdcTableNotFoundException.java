package dev.pgcdc;

import dev.pgcdc.event.TableName;
import org.jspecify.annotations.Nullable;

/**
 * A table given to {@link CdcSubscriptions} is not subscribed (for {@code enable},
 * {@code disable}, {@code remove}) or does not exist in the database (for {@code add}).
 */
public class CdcTableNotFoundException extends RuntimeException {

	private final TableName table;

	/**
	 * @param table the table
	 * @param message what is wrong and what to do
	 * @param cause the underlying error, if any
	 */
	public CdcTableNotFoundException(TableName table, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.table = table;
	}

	/** @return the table */
	public TableName table() {
		return this.table;
	}

}
