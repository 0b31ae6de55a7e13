package dev.pgcdc.benchmark;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.pgoutput.PgOutputDecoder;
import dev.pgcdc.pgoutput.PgOutputMessage;
import dev.pgcdc.pgoutput.RelationCache;
import dev.pgcdc.pgoutput.TupleData;
import dev.pgcdc.types.TypeRegistry;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Decode speed of the hot path, on one captured transaction of 1000 inserts of a 10-column
 * row (int, bigint, text x2, timestamptz, numeric, bool, uuid, jsonb, int), in text and in
 * binary mode:
 * <ul>
 * <li>{@code decode}: frames to {@link PgOutputMessage} records;</li>
 * <li>{@code decodeValues}: frames to records to every column value through
 * {@link TypeRegistry#decode}, with relations from a {@link RelationCache}.</li>
 * </ul>
 * One operation is the whole transaction (1003 frames); the {@code events} counter is the
 * rate of insert events. Run with
 * {@code java -jar cdc-benchmarks/target/benchmarks.jar DecodeBenchmark -f 1 -wi 3 -i 5}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class DecodeBenchmark {

	/** {@code text}: the default pgoutput mode; {@code binary}: {@code binary 'true'}. */
	@Param({ "text", "binary" })
	public String format;

	private ByteBuffer[] messages;

	private LogSequenceNumber[] lsns;

	private int protocolVersion;

	private int eventsPerOperation;

	private final TypeRegistry types = new TypeRegistry();

	/** Load the captured frames and check they hold the expected workload. */
	@Setup(Level.Trial)
	public void load() {
		CapturedFrames frames = CapturedFrames.load("/pgoutput/bench_" + this.format + ".txt.gz");
		this.messages = frames.messages().toArray(new ByteBuffer[0]);
		this.lsns = frames.lsns().toArray(new LogSequenceNumber[0]);
		this.protocolVersion = this.format.equals("binary") ? 2 : 1;
		PgOutputDecoder decoder = new PgOutputDecoder(this.protocolVersion, false);
		for (int i = 0; i < this.messages.length; i++) {
			if (decoder.decode(this.messages[i], this.lsns[i]) instanceof PgOutputMessage.Insert) {
				this.eventsPerOperation++;
			}
		}
		if (this.eventsPerOperation != 1000) {
			throw new IllegalStateException("Expected 1000 inserts in the captured frames but found "
					+ this.eventsPerOperation + "; regenerate them with FixtureCapture");
		}
	}

	/** Change events decoded, reported by JMH as a rate next to the operations. */
	@AuxCounters(AuxCounters.Type.OPERATIONS)
	@State(Scope.Thread)
	public static class Events {

		/** Insert, update and delete messages decoded. */
		public long events;

	}

	/**
	 * Frames to message records.
	 * @param events the event counter
	 * @param blackhole sink for the records
	 */
	@Benchmark
	public void decode(Events events, Blackhole blackhole) {
		PgOutputDecoder decoder = new PgOutputDecoder(this.protocolVersion, false);
		ByteBuffer[] messages = this.messages;
		LogSequenceNumber[] lsns = this.lsns;
		for (int i = 0; i < messages.length; i++) {
			blackhole.consume(decoder.decode(messages[i], lsns[i]));
		}
		events.events += this.eventsPerOperation;
	}

	/**
	 * Frames to message records to every column value.
	 * @param events the event counter
	 * @param blackhole sink for the values
	 */
	@Benchmark
	public void decodeValues(Events events, Blackhole blackhole) {
		PgOutputDecoder decoder = new PgOutputDecoder(this.protocolVersion, false);
		RelationCache relations = new RelationCache();
		ByteBuffer[] messages = this.messages;
		LogSequenceNumber[] lsns = this.lsns;
		long count = 0;
		for (int i = 0; i < messages.length; i++) {
			PgOutputMessage message = decoder.decode(messages[i], lsns[i]);
			if (message instanceof PgOutputMessage.Insert) {
				PgOutputMessage.Insert insert = (PgOutputMessage.Insert) message;
				values(relations.get(insert.relationId()), insert.newTuple(), blackhole);
				count++;
			}
			else if (message instanceof PgOutputMessage.Relation) {
				relations.put((PgOutputMessage.Relation) message);
			}
			else if (message instanceof PgOutputMessage.Type) {
				PgOutputMessage.Type type = (PgOutputMessage.Type) message;
				this.types.register(type.typeOid(), type.namespace(), type.name());
			}
			else {
				blackhole.consume(message);
			}
		}
		events.events += count;
	}

	private void values(PgOutputMessage.Relation relation, TupleData tuple, Blackhole blackhole) {
		for (int column = 0; column < tuple.size(); column++) {
			byte kind = tuple.kind(column);
			if (kind == TupleData.TEXT || kind == TupleData.BINARY) {
				PgOutputMessage.Relation.Column described = relation.columns().get(column);
				blackhole.consume(this.types.decode(described.typeOid(), tuple.array(), tuple.offset(column),
						tuple.length(column), kind == TupleData.BINARY));
			}
		}
	}

}
