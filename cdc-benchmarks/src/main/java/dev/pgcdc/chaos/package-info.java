/**
 * The chaos test ({@code cdc-benchmarks/chaos.sh}): a paced writer that records every committed
 * transaction in the source, a durable-slot consumer that records every delivery, and the
 * verification of what arrived against what committed. Not part of the library, nor of
 * {@code ./mvnw verify}. Not {@code @NullMarked}: harness code with short-lived state.
 */
package dev.pgcdc.chaos;
