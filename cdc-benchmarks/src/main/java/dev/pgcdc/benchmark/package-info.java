/**
 * Measurements: the JMH decode benchmark ({@link dev.pgcdc.benchmark.DecodeBenchmark}) and
 * end-to-end harnesses. Not part of the library.
 */
@NullMarked
package dev.pgcdc.benchmark;

import org.jspecify.annotations.NullMarked;
