/**
 * The {@code cdc} Actuator endpoint: status, subscriptions and handlers, runtime control.
 */
@NullMarked
package dev.pgcdc.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;
