package dev.pgcdc.live;

import java.time.Instant;
import java.util.Map;

import dev.pgcdc.event.Operation;
import org.jspecify.annotations.Nullable;

/**
 * A committed change to a row of a shape, <em>relative to the shape</em>: a row updated into
 * the shape is an {@code INSERT}, a row updated out of it a {@code DELETE}.
 *
 * @param operation {@link Operation#INSERT}, {@link Operation#UPDATE} or {@link Operation#DELETE}
 * @param row the row, projected to the shape's columns: the new row for INSERT and UPDATE, the
 * old row for DELETE (under a replica identity other than FULL only its key columns)
 * @param oldRow the old row, projected, for UPDATE and DELETE; {@code null} for INSERT (and for
 * an UPDATE whose old values the server did not send)
 * @param position the change's stream position ({@link dev.pgcdc.event.ChangeEvent#position()}):
 * unique, sorting in commit order
 * @param commitTimestamp the commit time of its transaction
 */
public record ShapeChange(Operation operation, Map<String, @Nullable Object> row,
		@Nullable Map<String, @Nullable Object> oldRow, String position, Instant commitTimestamp) {

}
