/**
 * The pgcdc sample: a todo app whose page shows every change as PostgreSQL commits it.
 */
@NullMarked
package dev.pgcdc.sample;

import org.jspecify.annotations.NullMarked;
