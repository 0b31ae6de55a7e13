package dev.pgcdc.benchmark;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

/**
 * The ceiling for a JVM client: pgjdbc's own replication API ({@link PGReplicationStream}) on
 * the same walsender protocol and slot, {@code proto_version '1'} and the publication, one
 * thread reading frames and decoding nothing. It looks at two things only, both at fixed offsets:
 * each frame's first byte (to count Insert messages and see each Commit) and the commit
 * timestamp in Begin (bytes 9-16, for the latency measurement). It reports the inserts counted
 * at each Commit and every 1024 inserts (the granularity of pgcdc's batches) and, once every
 * expected event has arrived, confirms the last received position to the server and stops.
 * <p>
 * Unlike {@code pg_recvlogical} it writes nothing per message, so whatever pgcdc does beyond
 * this (decoding tuples and values, assembling batches, the hand-off to the handler thread) is
 * the difference between the two.
 */
final class RawDrain implements StreamingEngine {

	/** Microseconds between the Unix and the PostgreSQL epoch (2000-01-01). */
	private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;

	private static final int REPORT_EVERY = 1024;

	@Override
	public String name() {
		return "raw";
	}

	@Override
	public AutoCloseable open(DrainTarget target, Arrivals arrivals) throws SQLException {
		Properties properties = new Properties();
		PGProperty.USER.set(properties, target.database().username());
		PGProperty.PASSWORD.set(properties, target.database().password());
		PGProperty.REPLICATION.set(properties, "database");
		PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
		Connection connection = DriverManager.getConnection(target.database().jdbcUrl(), properties);
		PGReplicationStream stream = connection.unwrap(PGConnection.class)
			.getReplicationAPI()
			.replicationStream()
			.logical()
			.withSlotName(target.slot())
			.withSlotOption("proto_version", "1")
			.withSlotOption("publication_names", target.publication())
			.withStatusInterval(10, TimeUnit.SECONDS)
			.start();
		Thread reader = new Thread(() -> read(stream, arrivals), "raw-reader");
		reader.setDaemon(true);
		reader.start();
		return () -> {
			reader.join(TimeUnit.SECONDS.toMillis(30));
			// a reader still blocked (a failed or cut-short run) ends with the connection
			connection.close();
			reader.join();
		};
	}

	/** Read frames until every expected event has arrived, then confirm and return. */
	private static void read(PGReplicationStream stream, Arrivals arrivals) {
		try {
			long commitMicros = 0;
			int inserts = 0;
			boolean done = false;
			while (!done) {
				@Nullable ByteBuffer frame = stream.read();
				if (frame == null) {
					arrivals.fail("the replication stream ended");
					return;
				}
				byte type = frame.get(frame.position());
				if (type == 'I') {
					inserts++;
					if (inserts == REPORT_EVERY) {
						done = arrivals.arrived(inserts, commitMicros);
						inserts = 0;
					}
				}
				else if (type == 'B') {
					commitMicros = frame.getLong(frame.position() + 9) + POSTGRES_EPOCH_MICROS;
				}
				else if (type == 'C' && inserts > 0) {
					done = arrivals.arrived(inserts, commitMicros);
					inserts = 0;
				}
			}
			stream.setFlushedLSN(stream.getLastReceiveLSN());
			stream.setAppliedLSN(stream.getLastReceiveLSN());
			stream.forceUpdateStatus();
			stream.close();
		}
		catch (SQLException ex) {
			arrivals.fail(ex.toString());
		}
	}

}
