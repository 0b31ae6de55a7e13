package dev.pgcdc.benchmark;

import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.PublicationMode;
import dev.pgcdc.replication.ReplicaIdentity;

/**
 * pgcdc's {@link ChangeStream} on the existing slot and publication, with its default batch
 * size and queue, and a handler that only counts the events of each batch (and, for the latency
 * measurement, passes on the batch's commit time). Text values (the default, as Debezium
 * receives them) unless built for binary values.
 */
final class PgcdcDrain implements StreamingEngine {

	private final boolean binary;

	/** @param binary whether to request binary values ({@code pgoutput} {@code binary 'true'}) */
	PgcdcDrain(boolean binary) {
		this.binary = binary;
	}

	@Override
	public String name() {
		return this.binary ? "pgcdc_binary" : "pgcdc";
	}

	@Override
	public AutoCloseable open(DrainTarget target, Arrivals arrivals) {
		return ChangeStream.builder()
			.url(target.database().jdbcUrl())
			.username(target.database().username())
			.password(target.database().password())
			.tables(Workload.TABLE.toString())
			.publication(target.publication())
			.publicationMode(PublicationMode.EXISTING)
			.replicaIdentity(ReplicaIdentity.UNCHANGED)
			.slot(target.slot())
			.durable(true)
			.binary(this.binary)
			.handler((TransactionBatch batch) -> arrivals.arrived(batch.events().size(),
					Arrivals.epochMicros(batch.commitTimestamp())))
			.start();
	}

}
