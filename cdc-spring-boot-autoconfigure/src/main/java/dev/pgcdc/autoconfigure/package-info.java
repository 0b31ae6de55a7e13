/**
 * Auto-configuration for pgcdc: {@link dev.pgcdc.autoconfigure.CdcAutoConfiguration},
 * {@link dev.pgcdc.autoconfigure.CdcProperties} (prefix {@code cdc}) and the lifecycle that
 * runs the change stream.
 */
@NullMarked
package dev.pgcdc.autoconfigure;

import org.jspecify.annotations.NullMarked;
