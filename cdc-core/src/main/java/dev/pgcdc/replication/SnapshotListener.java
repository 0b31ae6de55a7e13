package dev.pgcdc.replication;

import dev.pgcdc.snapshot.IncrementalSnapshots;
import org.jspecify.annotations.Nullable;

/** Tells a stream's snapshots about new slots and whether the stream streams. */
final class SnapshotListener implements StreamListener {

	private final IncrementalSnapshots snapshots;

	SnapshotListener(IncrementalSnapshots snapshots) {
		this.snapshots = snapshots;
	}

	@Override
	public void stateChanged(StreamState previous, StreamState current, @Nullable Throwable cause) {
		this.snapshots.streamStateChanged(current == StreamState.STREAMING || current == StreamState.PAUSED);
	}

	@Override
	public void newSlot(boolean durable) {
		this.snapshots.newSlot(durable);
	}

	@Override
	public void slotRecreated() {
		this.snapshots.slotRecreated();
	}

}
