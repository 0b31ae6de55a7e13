package dev.pgcdc.stream;

import java.util.List;

import dev.pgcdc.event.TableName;

/**
 * The primary-key columns of the tables a stream delivers, read from the catalog over the
 * stream's own connections on a table's first event and kept for the life of the stream (a
 * changed primary key is seen after a restart). The replica identity does not tell: under
 * {@code FULL} every column is flagged as key.
 */
public interface TableKeys {

	/**
	 * @param table a table the stream delivers
	 * @return its primary-key columns in key order, empty if it has none
	 * @throws DatabaseUnavailableException if the catalog cannot be read (the stream reconnects)
	 */
	List<String> primaryKey(TableName table);

	/**
	 * A relay (or handler) given to a stream's builder that needs the key columns: the builder
	 * hands it the stream's look-up when it builds the stream.
	 */
	interface User {

		/** @param keys the stream's look-up, usable from the stream's start on */
		void useKeys(TableKeys keys);

	}

}
