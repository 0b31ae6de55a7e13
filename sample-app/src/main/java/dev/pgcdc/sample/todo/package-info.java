/**
 * Todos: the {@code todos} table, its REST API and its change handlers.
 */
@NullMarked
package dev.pgcdc.sample.todo;

import org.jspecify.annotations.NullMarked;
