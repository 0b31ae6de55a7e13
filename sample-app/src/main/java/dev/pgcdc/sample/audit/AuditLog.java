package dev.pgcdc.sample.audit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

import dev.pgcdc.annotation.OnEvent;
import dev.pgcdc.event.ChangeEvent;

/**
 * An audit trail of every change to every subscribed table (WalEx's {@code on_event(:all)}),
 * logged and kept in memory.
 */
@Component
public class AuditLog {

	private static final Logger logger = LoggerFactory.getLogger(AuditLog.class);

	private static final int KEPT = 500;

	private final Deque<AuditEntry> entries = new ArrayDeque<>();

	@OnEvent
	void audit(ChangeEvent event) {
		Map<String, @Nullable Object> row = event.record();
		Object id = (row != null) ? row.get("id") : null;
		AuditEntry entry = new AuditEntry(event.commitTimestamp().toString(), event.operation().name(),
				event.qualifiedTable(), (id != null) ? id.toString() : null, List.copyOf(event.changes().keySet()),
				event.lsn(), event.xid());
		logger.info("{} {} id={} changed={} lsn={} xid={}", entry.operation(), entry.table(), entry.id(),
				entry.changed(), entry.lsn(), entry.xid());
		synchronized (this.entries) {
			this.entries.addLast(entry);
			while (this.entries.size() > KEPT) {
				this.entries.removeFirst();
			}
		}
	}

	/**
	 * The latest entries, oldest first.
	 * @return a copy
	 */
	public List<AuditEntry> entries() {
		synchronized (this.entries) {
			return new ArrayList<>(this.entries);
		}
	}

	/**
	 * One audited change.
	 * @param at the commit time
	 * @param operation the operation
	 * @param table the qualified table
	 * @param id the row's id, if it has one
	 * @param changed the changed columns of an UPDATE
	 * @param lsn the commit LSN
	 * @param xid the transaction id
	 */
	public record AuditEntry(String at, String operation, String table, @Nullable String id, List<String> changed,
			String lsn, long xid) {
	}

}
