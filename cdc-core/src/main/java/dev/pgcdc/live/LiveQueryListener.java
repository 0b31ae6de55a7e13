package dev.pgcdc.live;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Receives a live query's rows and changes, one call at a time, in order, on a thread of the
 * live queries' executor (never on the stream's thread). First {@link #onSnapshot}, then
 * {@link #onChange} for every committed change to a row of the shape; when continuity is lost
 * {@link #onReset} and a new {@link #onSnapshot} that replaces everything received before.
 * A listener that throws is closed.
 */
public interface LiveQueryListener {

	/**
	 * The rows of the shape as of one consistent snapshot, projected to the shape's columns.
	 * @param rows the rows, by column name (unmodifiable)
	 * @param position where the snapshot was taken: the WAL position as an
	 * {@link dev.pgcdc.event.EventPosition} ({@code <lsn>/00000000})
	 */
	void onSnapshot(List<Map<String, @Nullable Object>> rows, String position);

	/**
	 * A committed change to a row of the shape, relative to the shape, in commit order.
	 * @param change the change
	 */
	void onChange(ShapeChange change);

	/**
	 * Continuity was lost (the replication connection was re-established on a new temporary
	 * slot, the slot was recreated, a table was truncated, or this listener fell behind its
	 * bounded buffer): a new {@link #onSnapshot} follows and replaces the rows received so far.
	 * @param reason why, for logs
	 */
	default void onReset(String reason) {
	}

}
