/**
 * The outbox pattern without a table: {@code pg_logical_emit_message} in, {@code @OnMessage} out.
 */
@NullMarked
package dev.pgcdc.sample.outbox;

import org.jspecify.annotations.NullMarked;
