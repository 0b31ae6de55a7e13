package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.BatchHandler;

/**
 * A copy of one table (single-column {@code bigint} key {@code id}) built from every event a
 * handler sees, the way an application would keep a cache or a read model: SNAPSHOT, INSERT
 * and UPDATE put the row, DELETE (and the old key of an UPDATE that changed it) remove it.
 */
final class Replica implements BatchHandler {

	private final String table;

	private final Map<Long, Map<String, Object>> rows = new HashMap<>();

	private final List<Long> snapshotKeys = new ArrayList<>();

	final AtomicLong snapshotRows = new AtomicLong();

	final AtomicLong changes = new AtomicLong();

	/** Watermark messages that reached this handler: must stay 0. */
	final AtomicLong watermarks = new AtomicLong();

	private String lastPosition = "";

	private boolean positionsSorted = true;

	Replica(String table) {
		this.table = table;
	}

	@Override
	public synchronized void handle(TransactionBatch batch) {
		for (CdcEvent event : batch.events()) {
			if (event instanceof dev.pgcdc.event.LogicalMessage message && message.prefix().startsWith("pgcdc")) {
				this.watermarks.incrementAndGet();
			}
			if (!(event instanceof ChangeEvent change) || !change.table().equals(this.table)) {
				continue;
			}
			if (change.position().compareTo(this.lastPosition) <= 0) {
				this.positionsSorted = false;
			}
			this.lastPosition = change.position();
			switch (change.operation()) {
				case SNAPSHOT -> {
					this.snapshotRows.incrementAndGet();
					this.snapshotKeys.add(id(change.newRecord()));
					this.rows.put(id(change.newRecord()), new HashMap<>(change.newRecord()));
				}
				case INSERT -> {
					this.changes.incrementAndGet();
					this.rows.put(id(change.newRecord()), new HashMap<>(change.newRecord()));
				}
				case UPDATE -> {
					this.changes.incrementAndGet();
					if (change.oldRecord() != null) {
						this.rows.remove(id(change.oldRecord()));
					}
					this.rows.put(id(change.newRecord()), new HashMap<>(change.newRecord()));
				}
				case DELETE -> {
					this.changes.incrementAndGet();
					this.rows.remove(id(change.oldRecord()));
				}
				case TRUNCATE -> this.rows.clear();
				default -> throw new IllegalStateException(change.operation().name());
			}
		}
	}

	private static long id(Map<String, Object> row) {
		return ((Number) row.get("id")).longValue();
	}

	synchronized Map<Long, Map<String, Object>> rows() {
		return new TreeMap<>(this.rows);
	}

	synchronized List<Long> snapshotKeys() {
		return List.copyOf(this.snapshotKeys);
	}

	synchronized boolean positionsSorted() {
		return this.positionsSorted;
	}

	/** The source table as the replica should hold it. */
	static Map<Long, Map<String, Object>> source(Connection connection, String table) throws SQLException {
		Map<Long, Map<String, Object>> rows = new TreeMap<>();
		try (Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT id, balance, note FROM " + table)) {
			while (row.next()) {
				Map<String, Object> values = new HashMap<>();
				values.put("id", row.getLong(1));
				values.put("balance", row.getInt(2));
				values.put("note", row.getString(3));
				rows.put(row.getLong(1), values);
			}
		}
		return rows;
	}

	/**
	 * @return the rows that differ (at most 10 described), empty when the replica equals the source
	 */
	List<String> differencesFrom(Map<Long, Map<String, Object>> source) {
		Map<Long, Map<String, Object>> replica = normalized(rows());
		List<String> differences = new ArrayList<>();
		java.util.Set<Long> keys = new java.util.TreeSet<>(source.keySet());
		keys.addAll(replica.keySet());
		int count = 0;
		for (Long key : keys) {
			if (!java.util.Objects.equals(source.get(key), replica.get(key))) {
				if (++count <= 10) {
					differences.add(key + ": source " + source.get(key) + ", replica " + replica.get(key));
				}
			}
		}
		if (count > 10) {
			differences.add("... " + (count - 10) + " more of " + keys.size());
		}
		return differences;
	}

	static Map<Long, Map<String, Object>> normalized(Map<Long, Map<String, Object>> rows) {
		Map<Long, Map<String, Object>> normalized = new TreeMap<>();
		rows.forEach((id, row) -> {
			Map<String, Object> values = new HashMap<>();
			values.put("id", ((Number) row.get("id")).longValue());
			values.put("balance", ((Number) row.get("balance")).intValue());
			values.put("note", row.get("note"));
			normalized.put(id, values);
		});
		return normalized;
	}

}
