package dev.pgcdc.snapshot;

import java.util.function.Predicate;

import dev.pgcdc.event.TableName;

/**
 * How a stream snapshots.
 *
 * @param mode when the stream snapshots by itself
 * @param chunkSize rows read per chunk (one keyset query between two watermarks)
 * @param initialTables which subscribed tables take part in an initial snapshot
 * ({@code cdc.table.<name>.snapshot})
 * @param progressTable the table holding the progress of a durable slot's snapshots, created
 * if missing (unqualified: the connection's {@code search_path} decides its schema)
 */
public record SnapshotOptions(SnapshotMode mode, int chunkSize, Predicate<TableName> initialTables, String progressTable) {

	/** Rows per chunk by default (see docs/snapshots.md for the measurement). */
	public static final int DEFAULT_CHUNK_SIZE = 8192;

	/** The progress table by default. */
	public static final String DEFAULT_PROGRESS_TABLE = "pgcdc_snapshots";

	public SnapshotOptions {
		if (chunkSize < 1) {
			throw new IllegalArgumentException("chunkSize must be at least 1, was " + chunkSize);
		}
		if (!progressTable.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
			throw new IllegalArgumentException("progressTable must be a plain identifier, was '" + progressTable + "'");
		}
	}

	/** @return snapshots on demand only, chunks of {@value #DEFAULT_CHUNK_SIZE} rows */
	public static SnapshotOptions defaults() {
		return new SnapshotOptions(SnapshotMode.NEVER, DEFAULT_CHUNK_SIZE, (table) -> true, DEFAULT_PROGRESS_TABLE);
	}

}
