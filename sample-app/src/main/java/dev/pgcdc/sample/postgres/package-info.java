/**
 * An embedded PostgreSQL with {@code wal_level=logical} for when no {@code spring.datasource.url} is set.
 */
@NullMarked
package dev.pgcdc.sample.postgres;

import org.jspecify.annotations.NullMarked;
