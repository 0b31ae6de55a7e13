package dev.pgcdc.replication;

import dev.pgcdc.stream.BatchHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionBatch;

/** A batch handler for tests that keeps everything it receives. */
class Recorder implements BatchHandler {

	final List<TransactionBatch> batches = new CopyOnWriteArrayList<>();

	@Override
	public void handle(TransactionBatch batch) {
		this.batches.add(batch);
	}

	List<CdcEvent> all() {
		List<CdcEvent> events = new ArrayList<>();
		this.batches.forEach((batch) -> events.addAll(batch.events()));
		return events;
	}

	List<ChangeEvent> changes() {
		List<ChangeEvent> events = new ArrayList<>();
		for (CdcEvent event : all()) {
			if (event instanceof ChangeEvent change) {
				events.add(change);
			}
		}
		return events;
	}

	List<ChangeEvent> changes(String table) {
		return changes().stream().filter((event) -> event.table().equals(table)).toList();
	}

	List<LogicalMessage> messages() {
		List<LogicalMessage> messages = new ArrayList<>();
		for (CdcEvent event : all()) {
			if (event instanceof LogicalMessage message) {
				messages.add(message);
			}
		}
		return messages;
	}

}
