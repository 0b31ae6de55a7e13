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
 * @param readers how many connections read a table's chunks at once (each chunk between its own
 * watermarks, delivered in key order); {@code 1} reads one chunk after the other
 */
public record SnapshotOptions(SnapshotMode mode, int chunkSize, Predicate<TableName> initialTables, String progressTable,
		int readers) {

	/** Rows per chunk by default (see docs/snapshots.md for the measurement). */
	public static final int DEFAULT_CHUNK_SIZE = 8192;

	/** Connections reading chunks at once by default (see docs/snapshots.md for the measurement). */
	public static final int DEFAULT_READERS = 2;

	/** The most connections one snapshot may read with. */
	public static final int MAX_READERS = 16;

	/** The progress table by default. */
	public static final String DEFAULT_PROGRESS_TABLE = "pgcdc_snapshots";

	public SnapshotOptions {
		if (chunkSize < 1) {
			throw new IllegalArgumentException("chunkSize must be at least 1, was " + chunkSize);
		}
		if (!progressTable.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
			throw new IllegalArgumentException("progressTable must be a plain identifier, was '" + progressTable + "'");
		}
		if (readers < 1 || readers > MAX_READERS) {
			throw new IllegalArgumentException("readers must be between 1 and " + MAX_READERS + ", was " + readers);
		}
	}

	/**
	 * With {@value #DEFAULT_READERS} readers.
	 * @param mode when the stream snapshots by itself
	 * @param chunkSize rows read per chunk
	 * @param initialTables which subscribed tables take part in an initial snapshot
	 * @param progressTable the table holding the progress of a durable slot's snapshots
	 */
	public SnapshotOptions(SnapshotMode mode, int chunkSize, Predicate<TableName> initialTables, String progressTable) {
		this(mode, chunkSize, initialTables, progressTable, DEFAULT_READERS);
	}

	/** @return snapshots on demand only, chunks of {@value #DEFAULT_CHUNK_SIZE} rows */
	public static SnapshotOptions defaults() {
		return new SnapshotOptions(SnapshotMode.NEVER, DEFAULT_CHUNK_SIZE, (table) -> true, DEFAULT_PROGRESS_TABLE);
	}

}
