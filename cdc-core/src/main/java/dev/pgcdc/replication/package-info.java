/**
 * The replication connection: server checks, publication, replica identity and slot
 * administration, the reader thread, acknowledgement and reconnects.
 */
@NullMarked
package dev.pgcdc.replication;

import org.jspecify.annotations.NullMarked;
