package dev.pgcdc.event;

import org.jspecify.annotations.Nullable;

/**
 * One column's value before and after an UPDATE.
 *
 * @param oldValue the value before the update (may be {@code null})
 * @param newValue the value after the update (may be {@code null})
 */
public record ValueChange(@Nullable Object oldValue, @Nullable Object newValue) {
}
