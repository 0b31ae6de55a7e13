/**
 * Users: the {@code users} table, a read-through cache, and the handlers that welcome and evict.
 */
@NullMarked
package dev.pgcdc.sample.user;

import org.jspecify.annotations.NullMarked;
