package dev.pgcdc.snapshot;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import org.jspecify.annotations.Nullable;

/**
 * The open windows of the active run, on the delivery thread only: a window opens at a chunk's
 * low watermark and closes when the chunk is delivered (at its high watermark, or later when an
 * earlier chunk's comes after it); in between, every key the stream changes in the
 * run's table is recorded in every open window (a {@code TRUNCATE} empties them all), and those
 * rows are dropped from the chunk when it is delivered.
 */
final class ChunkWindows {

	private final Map<Long, Window> windows = new HashMap<>();

	private @Nullable SnapshotRun run;

	/**
	 * @param active the active run, if any
	 * @return whether the stream's changes must be looked at: a window of that run is open
	 */
	boolean tracking(@Nullable SnapshotRun active) {
		return active != null && this.run == active && !this.windows.isEmpty();
	}

	/**
	 * A change the stream delivers while windows are open.
	 * @param active the active run
	 * @param change the change
	 */
	void touched(SnapshotRun active, ChangeEvent change) {
		if (!active.table.name().equals(change.table()) || !active.table.schema().equals(change.schema())) {
			return;
		}
		if (change.operation() == Operation.TRUNCATE) {
			this.windows.values().forEach((window) -> window.truncated = true);
			return;
		}
		String[] keys = active.reader.keyColumns();
		Map<String, @Nullable Object> newRow = change.newRecord();
		Map<String, @Nullable Object> oldRow = change.oldRecord();
		RowKey newKey = (newRow != null) ? RowKey.of(newRow, keys) : null;
		RowKey oldKey = (oldRow != null) ? RowKey.of(oldRow, keys) : null;
		for (Window window : this.windows.values()) {
			if (newKey != null) {
				window.touched.add(newKey);
			}
			if (oldKey != null) {
				window.touched.add(oldKey);
			}
		}
	}

	/**
	 * A chunk's low watermark arrived.
	 * @param active its run
	 * @param chunk the chunk
	 */
	void open(SnapshotRun active, long chunk) {
		follow(active);
		this.windows.putIfAbsent(chunk, new Window());
	}

	/**
	 * @param active the active run
	 * @param chunk a chunk
	 * @return whether its low watermark was seen and it was not delivered yet
	 */
	boolean isOpen(SnapshotRun active, long chunk) {
		return this.run == active && this.windows.containsKey(chunk);
	}

	/**
	 * A chunk is delivered: its window closes, and so do those of earlier chunks (delivered
	 * before it, or given up).
	 * @param active its run
	 * @param chunk the chunk
	 * @return its window, {@code null} if its low watermark was not seen
	 */
	@Nullable Window close(SnapshotRun active, long chunk) {
		follow(active);
		Window window = this.windows.remove(chunk);
		this.windows.keySet().removeIf((open) -> open < chunk);
		return window;
	}

	private void follow(SnapshotRun active) {
		if (this.run != active) {
			this.windows.clear();
			this.run = active;
		}
	}

	/** The keys the stream changed between a chunk's low and high watermark. */
	static final class Window {

		final Set<RowKey> touched = new HashSet<>();

		boolean truncated;

		/**
		 * @param key a row's key
		 * @return whether the chunk's row is delivered: no change of it arrived in the window
		 */
		boolean keeps(RowKey key) {
			return !this.truncated && !this.touched.contains(key);
		}

	}

}
