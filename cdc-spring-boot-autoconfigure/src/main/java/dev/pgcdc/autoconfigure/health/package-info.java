/**
 * The {@code cdc} health indicator.
 */
@NullMarked
package dev.pgcdc.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
