/**
 * The stream's shared vocabulary: what the dispatch, snapshot and live-query layers may depend
 * on without knowing the wire or the replication connection ({@link dev.pgcdc.stream.BatchHandler},
 * {@link dev.pgcdc.stream.TableInfo}, {@link dev.pgcdc.stream.CdcConfigurationException}).
 */
@NullMarked
package dev.pgcdc.stream;

import org.jspecify.annotations.NullMarked;
