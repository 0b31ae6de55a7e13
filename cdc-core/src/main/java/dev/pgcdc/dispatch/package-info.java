/**
 * Handler dispatch: the registry of handler methods and the tables they name, argument
 * binding, deterministic ordering, retries and the error policy. The
 * {@link dev.pgcdc.dispatch.HandlerMulticaster} is the stream's
 * {@link dev.pgcdc.stream.BatchHandler}.
 */
@NullMarked
package dev.pgcdc.dispatch;


import org.jspecify.annotations.NullMarked;
