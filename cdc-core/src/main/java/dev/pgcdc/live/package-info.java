/**
 * Live queries and per-record subscriptions: a shape's current rows, then every committed
 * change to them, from the application's one replication stream. {@link dev.pgcdc.live.LiveQueries}
 * subscribes a {@link dev.pgcdc.live.Shape} with a {@link dev.pgcdc.live.LiveQueryListener}; the
 * catch-up query and the stream are merged with the snapshot's visibility (see docs/live-queries.md).
 */
@NullMarked
package dev.pgcdc.live;

import org.jspecify.annotations.NullMarked;
