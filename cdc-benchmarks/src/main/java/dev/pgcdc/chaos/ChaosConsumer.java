package dev.pgcdc.chaos;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.ChangeStreamBuilder;
import dev.pgcdc.replication.StreamState;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgcdc.offsets.JdbcOffsetStore;
import dev.pgcdc.stream.BatchHandler;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;

/**
 * The chaos test's consumer: a durable-slot {@link ChangeStream} on {@code items} and
 * {@code chaos_tx} whose handler records every delivered transaction durably before it returns,
 * so that the verification can count what was delivered, and how often.
 * <p>
 * {@code ChaosConsumer <jdbc url> <user> <name> <incarnation> <sink> <target>}:
 * <ul>
 * <li>sink {@code file}: one line per transaction appended to {@code target} (unbuffered, so it
 * is in the kernel when the handler returns and survives {@code kill -9});</li>
 * <li>sink {@code table}: the handler writes the delivery into {@code chaos_delivery} and applies
 * the row changes to {@code replica_items}, in one transaction on the same server (a handler
 * writing to the database it streams from, as in the shutdown case); {@code target} is unused.</li>
 * </ul>
 * A line is {@code <incarnation> <handled at, epoch ms> <seq> <commit lsn> <xid> <changes>}, the
 * changes {@code I:id:v,U:id:v,D:id} in WAL order ({@code -} for none); {@code seq} is the writer's
 * sequence number from the transaction's {@code chaos_tx} row ({@code -1} when it has none).
 * <p>
 * System property {@code chaos.offsets} ({@code server}, the default, or {@code jdbc}): where the
 * stream keeps its position. {@code jdbc} ({@code cdc.offsets.store=jdbc}: a {@code JdbcOffsetStore}
 * on the same database, whose transaction the table sink joins) is wired in {@link #offsets}; its effects are
 * expected exactly once.
 */
public final class ChaosConsumer implements BatchHandler {

	private final String incarnation;

	private final String url;

	private final String user;

	private final boolean table;

	private final FileOutputStream file;

	private final List<ChangeEvent> pending = new ArrayList<>();

	private Connection connection;

	/** With {@code chaos.offsets=jdbc}: the offset store's DataSource, whose transaction the sink joins. */
	private DataSource dataSource;

	private ChaosConsumer(String url, String user, String incarnation, String sink, String target) throws IOException {
		this.url = url;
		this.user = user;
		this.incarnation = incarnation;
		this.table = sink.equals("table");
		this.file = this.table ? null : new FileOutputStream(target, true);
	}

	public static void main(String[] args) throws Exception {
		String url = args[0];
		String user = args[1];
		String name = args[2];
		ChaosConsumer consumer = new ChaosConsumer(url, user, args[3], args[4], args[5]);
		ChangeStreamBuilder builder = ChangeStream.builder()
			.url(url)
			.username(user)
			.password("")
			.applicationName(name)
			.tables("items", "chaos_tx")
			.publication("chaos_pub")
			.slot("chaos_slot")
			.durable(true)
			.handler(consumer)
			.listener((from, to, cause) -> {
				System.out.println("STATE " + System.currentTimeMillis() + " " + from + " -> " + to
						+ ((cause != null) ? " (" + cause + ")" : ""));
				System.out.flush();
				if (to == StreamState.FAILED) {
					// a supervisor restarts failed processes: so does chaos.sh, which counts it
					new Thread(() -> System.exit(2), "chaos-exit").start();
				}
			});
		consumer.offsets(builder, System.getProperty("chaos.offsets", "server"));
		ChangeStream stream = builder.build();
		Runtime.getRuntime().addShutdownHook(new Thread(stream::close, "chaos-stop"));
		stream.start();
		System.out.println("STARTED " + System.currentTimeMillis() + " " + name + " incarnation " + args[3]);
		System.out.flush();
		Thread.currentThread().join();
	}

	/**
	 * Where the stream keeps its position.
	 * @param builder the stream's builder
	 * @param mode {@code server} (the slot) or {@code jdbc}
	 */
	void offsets(ChangeStreamBuilder builder, String mode) {
		if (mode.equals("server")) {
			return;
		}
		if (!mode.equals("jdbc")) {
			throw new IllegalArgumentException("chaos.offsets must be server or jdbc, not " + mode);
		}
		// cdc.offsets.store=jdbc: each transaction's sink writes and the stream's position commit
		// together on this DataSource; record() writes through that transaction
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(this.url);
		dataSource.setUsername(this.user);
		dataSource.setPassword("");
		dataSource.setMaximumPoolSize(2);
		// a handler waiting long for a connection would hold a server shutdown that long
		dataSource.setConnectionTimeout(2_000);
		dataSource.setInitializationFailTimeout(-1);
		this.dataSource = dataSource;
		builder.offsetStore(new JdbcOffsetStore(new DataSourceTransactionManager(dataSource), dataSource,
				JdbcOffsetStore.DEFAULT_TABLE));
	}

	@Override
	public void handle(TransactionBatch batch) throws Exception {
		if (batch.first()) {
			this.pending.clear();
		}
		for (CdcEvent event : batch.events()) {
			if (event instanceof ChangeEvent change) {
				this.pending.add(change);
			}
		}
		if (!batch.last()) {
			return;
		}
		long seq = -1;
		StringBuilder changes = new StringBuilder();
		for (ChangeEvent event : this.pending) {
			Map<String, Object> row = event.record();
			if (event.table().equals("chaos_tx")) {
				seq = ((Number) row.get("seq")).longValue();
				continue;
			}
			if (changes.length() > 0) {
				changes.append(',');
			}
			long id = ((Number) row.get("id")).longValue();
			switch (event.operation()) {
				case INSERT -> changes.append("I:").append(id).append(':').append(row.get("v"));
				case UPDATE -> changes.append("U:").append(id).append(':').append(row.get("v"));
				case DELETE -> changes.append("D:").append(id);
				default -> throw new IllegalStateException("Unexpected " + event.operation());
			}
		}
		String ops = (changes.length() == 0) ? "-" : changes.toString();
		long now = System.currentTimeMillis();
		if (this.table) {
			record(now, seq, batch.lsn(), batch.xid(), ops);
		}
		else {
			String line = this.incarnation + " " + now + " " + seq + " " + batch.lsn() + " " + batch.xid() + " " + ops
					+ "\n";
			// one write(2): in the kernel before the handler returns, so kill -9 cannot lose it
			this.file.write(line.getBytes(StandardCharsets.US_ASCII));
		}
		this.pending.clear();
	}

	/** The table sink: the delivery and its effects on the replica, in one transaction. */
	private void record(long now, long seq, String lsn, long xid, String ops) throws SQLException {
		try {
			Connection current = connection();
			try (PreparedStatement delivery = current.prepareStatement(
					"INSERT INTO chaos_delivery (incarnation, handled_at, seq, lsn, xid, ops) VALUES (?, ?, ?, ?, ?, ?)");
					PreparedStatement upsert = current.prepareStatement(
							"INSERT INTO replica_items (id, v) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET v = excluded.v");
					PreparedStatement delete = current.prepareStatement("DELETE FROM replica_items WHERE id = ?")) {
				delivery.setString(1, this.incarnation);
				delivery.setLong(2, now);
				delivery.setLong(3, seq);
				delivery.setString(4, lsn);
				delivery.setLong(5, xid);
				delivery.setString(6, ops);
				delivery.executeUpdate();
				if (!ops.equals("-")) {
					for (String op : ops.split(",")) {
						String[] part = op.split(":");
						long id = Long.parseLong(part[1]);
						if (part[0].equals("D")) {
							delete.setLong(1, id);
							delete.executeUpdate();
						}
						else {
							upsert.setLong(1, id);
							upsert.setLong(2, Long.parseLong(part[2]));
							upsert.executeUpdate();
						}
					}
				}
				if (this.dataSource == null) {
					current.commit();
				}
			}
		}
		catch (SQLException ex) {
			if (this.dataSource != null) {
				// the offset store rolls its transaction back; the stream delivers this one again
				throw ex;
			}
			// the server is going away (57P01, 08006) or refuses connections (57P03): the stream gives up
			// its session unacknowledged and delivers the transaction again
			closeQuietly();
			throw ex;
		}
	}

	private Connection connection() throws SQLException {
		if (this.dataSource != null) {
			// the offset store's transaction, bound to this (the delivery) thread
			return DataSourceUtils.getConnection(this.dataSource);
		}
		if (this.connection == null) {
			Connection opened = DriverManager.getConnection(this.url, this.user, "");
			opened.setAutoCommit(false);
			this.connection = opened;
		}
		return this.connection;
	}

	private void closeQuietly() {
		if (this.connection != null) {
			try {
				this.connection.close();
			}
			catch (SQLException ex) {
				// broken already
			}
			this.connection = null;
		}
	}

}
