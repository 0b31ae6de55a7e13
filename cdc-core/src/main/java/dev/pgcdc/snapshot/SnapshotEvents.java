package dev.pgcdc.snapshot;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.EventPosition;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Source;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.BatchHandler;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The {@code SNAPSHOT} events of one chunk, delivered at its high watermark: {@code lsn()} is
 * the high watermark's commit LSN (the chunk was read before it, after the low one),
 * {@code xid()} is 0, and the positions follow the watermark's own (index 0 in its
 * transaction) with indexes 1, 2, ..., so they sort after every change delivered before and
 * before every change committed after.
 */
final class SnapshotEvents {

	private final Source source;

	private final String lsn;

	private final Instant at;

	private final char[] prefix;

	private final int batchSize;

	private final List<ChangeEvent> events = new ArrayList<>();

	SnapshotEvents(Source source, TransactionBatch highWatermark, int batchSize) {
		this.source = source;
		this.lsn = highWatermark.lsn();
		Instant committed = highWatermark.commitTimestamp();
		this.at = (committed != null) ? committed : Instant.now();
		this.prefix = EventPosition.prefix(LogSequenceNumber.valueOf(this.lsn).asLong());
		this.batchSize = batchSize;
	}

	void add(Map<String, @Nullable Object> row) {
		this.events.add(new ChangeEvent(Operation.SNAPSHOT, this.source.schema(), this.source.table(), row, null, Map.of(),
				Set.of(), this.at, this.lsn, 0, this.source, EventPosition.of(this.prefix, this.events.size() + 1)));
	}

	void deliver(BatchHandler handler) throws Exception {
		int size = this.events.size();
		for (int from = 0; from < size; from += this.batchSize) {
			int to = Math.min(size, from + this.batchSize);
			List<CdcEvent> chunk = new ArrayList<>(this.events.subList(from, to));
			handler.handle(new TransactionBatch(0, this.lsn, this.at, chunk, from == 0, to == size));
		}
	}

}
