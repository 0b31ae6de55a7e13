/**
 * Snapshots: the rows that exist, read in primary-key order in chunks interleaved with the
 * stream (DBLog's watermark algorithm), delivered as {@code SNAPSHOT} events so that a replica
 * built from every event equals the source. {@link dev.pgcdc.snapshot.IncrementalSnapshots}
 * sits between the stream and the handlers.
 */
@NullMarked
package dev.pgcdc.snapshot;

import org.jspecify.annotations.NullMarked;
