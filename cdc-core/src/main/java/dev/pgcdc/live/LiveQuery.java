package dev.pgcdc.live;

/**
 * An open live query: its listener receives the shape's rows, then their changes, until it is
 * closed. Closing is idempotent and releases everything the query holds.
 */
public interface LiveQuery extends AutoCloseable {

	/** @return the shape this query follows */
	Shape shape();

	/** @return whether the query is open (not closed by the application or after a listener failure) */
	boolean isOpen();

	/** Stop delivering and release the query; nothing reaches the listener afterwards. */
	@Override
	void close();

}
