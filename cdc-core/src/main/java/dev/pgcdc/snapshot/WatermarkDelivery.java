package dev.pgcdc.snapshot;

import java.util.ArrayList;
import java.util.List;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.BatchHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream's side of the snapshots, on its delivery thread: passes the stream's batches on
 * without the watermarks, records in the open {@link ChunkWindows} the keys the stream changes,
 * and at a chunk's high watermark hands the chunk's rows that no change touched to the handlers
 * as {@code SNAPSHOT} events, before anything that committed after it — or, when chunks are
 * read at once and an earlier chunk's high watermark has not come yet, keeps its window open and
 * delivers it right after that one, so chunks arrive in key order. A chunk whose low watermark
 * was not seen is read again.
 */
final class WatermarkDelivery {

	// logged as the snapshots' own lines
	private static final Logger logger = LoggerFactory.getLogger(IncrementalSnapshots.class);

	private final BatchHandler downstream;

	private final SnapshotQueue queue;

	private final int batchSize;

	// delivery thread only: the open windows (low watermark seen) of the active run
	private final ChunkWindows windows = new ChunkWindows();

	WatermarkDelivery(BatchHandler downstream, SnapshotQueue queue, int batchSize) {
		this.downstream = downstream;
		this.queue = queue;
		this.batchSize = batchSize;
	}

	void handle(TransactionBatch batch) throws Exception {
		List<CdcEvent> events = batch.events();
		SnapshotRun run = this.queue.active();
		boolean tracking = this.windows.tracking(run);
		List<LogicalMessage> watermarks = null;
		for (CdcEvent event : events) {
			if (event instanceof LogicalMessage message) {
				if (Watermark.PREFIX.equals(message.prefix())) {
					watermarks = (watermarks != null) ? watermarks : new ArrayList<>(2);
					watermarks.add(message);
				}
			}
			else if (tracking && run != null && event instanceof ChangeEvent change) {
				this.windows.touched(run, change);
			}
		}
		if (watermarks == null) {
			this.downstream.handle(batch);
			return;
		}
		List<CdcEvent> rest = new ArrayList<>(events.size());
		for (CdcEvent event : events) {
			if (!(event instanceof LogicalMessage message && Watermark.PREFIX.equals(message.prefix()))) {
				rest.add(event);
			}
		}
		if (!rest.isEmpty()) {
			this.downstream.handle(new TransactionBatch(batch.xid(), batch.lsn(), batch.commitTimestamp(), rest,
					batch.first(), batch.last()));
		}
		for (LogicalMessage message : watermarks) {
			watermark(message, batch);
		}
	}

	private void watermark(LogicalMessage message, TransactionBatch batch) throws Exception {
		Watermark mark = Watermark.parse(message.contentAsString());
		SnapshotRun run = this.queue.active();
		if (mark == null || run == null || !run.id.equals(mark.run())) {
			// an earlier run's, another process's or another application's on the same database
			return;
		}
		if (mark.low()) {
			this.windows.open(run, mark.chunk());
			return;
		}
		if (!this.windows.isOpen(run, mark.chunk())) {
			if (this.queue.waiting(run, mark.chunk())) {
				logger.debug("Snapshot of {}: chunk {} lost its low watermark; reading it again", run.table, mark.chunk());
				this.queue.rewind(run);
			}
			// else delivered before (a durable slot sends it again) or given up
			return;
		}
		List<SnapshotRun.Pending> ready = this.queue.highWatermark(run, mark.chunk());
		if (ready == null) {
			// delivered before or given up
			return;
		}
		if (ready.isEmpty()) {
			return;
		}
		// one position sequence after this watermark for every chunk delivered here
		SnapshotEvents events = new SnapshotEvents(run.reader.source(), batch, this.batchSize);
		List<SnapshotRun.Pending> delivered = new ArrayList<>(ready.size());
		for (SnapshotRun.Pending pending : ready) {
			// a chunk whose high watermark came earlier kept its window open until now: a change
			// of one of its rows since then drops that row too
			ChunkWindows.Window window = this.windows.close(run, pending.number);
			if (window == null) {
				this.queue.rewind(run);
				break;
			}
			for (KeysetReader.SnapshotRow row : pending.chunk.rows()) {
				if (window.keeps(row.key())) {
					events.add(run.reader.values(row));
				}
			}
			delivered.add(pending);
		}
		events.deliver(this.downstream);
		for (SnapshotRun.Pending pending : delivered) {
			this.queue.delivered(run, pending);
		}
	}

}
