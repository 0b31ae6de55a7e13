/**
 * A pure decoder for the {@code pgoutput} logical replication protocol: bytes in, immutable
 * {@link dev.pgcdc.pgoutput.PgOutputMessage} records out. Knows nothing of JDBC.
 */
@NullMarked
package dev.pgcdc.pgoutput;

import org.jspecify.annotations.NullMarked;
