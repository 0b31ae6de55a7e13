/**
 * Micrometer meters of the change stream and its handlers ({@code cdc.*}).
 */
@NullMarked
package dev.pgcdc.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
