/**
 * The event model handed to handlers: {@link dev.pgcdc.event.ChangeEvent},
 * {@link dev.pgcdc.event.LogicalMessage} and their parts.
 */
@NullMarked
package dev.pgcdc.event;

import org.jspecify.annotations.NullMarked;
