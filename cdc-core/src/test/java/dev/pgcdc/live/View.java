package dev.pgcdc.live;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.event.Operation;
import org.jspecify.annotations.Nullable;

/**
 * A subscriber's materialized view: the snapshot, then each change applied; a change that
 * cannot apply (an insert of a row it has, an update or delete of one it has not) or a position
 * seen twice is recorded as an error.
 */
final class View implements LiveQueryListener {

	final String name;

	final Map<Object, Map<String, @Nullable Object>> rows = new LinkedHashMap<>();

	final List<String> errors = new ArrayList<>();

	final AtomicInteger snapshots = new AtomicInteger();

	final AtomicInteger resets = new AtomicInteger();

	final AtomicInteger changes = new AtomicInteger();

	final List<String> positions = new ArrayList<>();

	private final Set<String> seen = new HashSet<>();

	private final String key;

	View(String name, String key) {
		this.name = name;
		this.key = key;
	}

	@Override
	public synchronized void onSnapshot(List<Map<String, @Nullable Object>> snapshot, String position) {
		this.rows.clear();
		this.seen.clear();
		this.positions.clear();
		for (Map<String, @Nullable Object> row : snapshot) {
			this.rows.put(row.get(this.key), new LinkedHashMap<>(row));
		}
		this.snapshots.incrementAndGet();
	}

	@Override
	public synchronized void onChange(ShapeChange change) {
		this.changes.incrementAndGet();
		if (!this.seen.add(change.position())) {
			this.errors.add(this.name + ": position " + change.position() + " delivered twice");
		}
		if (!this.positions.isEmpty() && this.positions.get(this.positions.size() - 1).compareTo(change.position()) >= 0
) {
			this.errors.add(this.name + ": position " + change.position() + " out of order");
		}
		this.positions.add(change.position());
		Object id = change.row().get(this.key);
		boolean present = this.rows.containsKey(id);
		if (change.operation() == Operation.INSERT) {
			if (present) {
				this.errors.add(this.name + ": insert of " + id + " already in the view at " + change.position());
			}
			this.rows.put(id, new LinkedHashMap<>(change.row()));
		}
		else if (change.operation() == Operation.UPDATE) {
			if (!present) {
				this.errors.add(this.name + ": update of " + id + " not in the view at " + change.position());
			}
			this.rows.put(id, new LinkedHashMap<>(change.row()));
		}
		else {
			if (!present) {
				this.errors.add(this.name + ": delete of " + id + " not in the view at " + change.position());
			}
			this.rows.remove(id);
		}
	}

	@Override
	public synchronized void onReset(String reason) {
		this.resets.incrementAndGet();
	}

	synchronized Map<Object, Map<String, @Nullable Object>> copy() {
		return new LinkedHashMap<>(this.rows);
	}

	synchronized List<String> errors() {
		return new ArrayList<>(this.errors);
	}

}
