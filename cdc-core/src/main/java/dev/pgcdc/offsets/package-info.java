/**
 * Where the stream's handled position is kept: in the replication slot only (the default), or
 * also in a table of the application's database, updated in the same Spring transaction as the
 * handlers' work ({@link dev.pgcdc.offsets.JdbcOffsetStore}), so that work happens exactly once.
 */
@NullMarked
package dev.pgcdc.offsets;

import org.jspecify.annotations.NullMarked;
