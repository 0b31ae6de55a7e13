/**
 * An audit log fed by a catch-all {@code @OnEvent} handler.
 */
@NullMarked
package dev.pgcdc.sample.audit;

import org.jspecify.annotations.NullMarked;
