package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.stream.BatchHandler;

/**
 * A process streaming a durable slot with parallel dispatch into a {@code handled} table, for
 * {@link ParallelCrashTests} to kill: {@code url username password slot publication}.
 */
public final class ParallelCrashWorker {

	private ParallelCrashWorker() {
	}

	public static void main(String[] args) throws Exception {
		ChangeStream stream = stream(args[0], args[1], args[2], args[3], args[4])
			.listener((from, to, cause) -> {
				System.out.println("state " + to);
				System.out.flush();
			})
			.start();
		Runtime.getRuntime().addShutdownHook(new Thread(stream::close));
		Thread.currentThread().join();
	}

	static ChangeStreamBuilder stream(String url, String username, String password, String slot, String publication) {
		return ChangeStream.builder()
			.url(url)
			.username(username)
			.password(password)
			.publication(publication)
			.tables("items")
			.slot(slot)
			.durable(true)
			.concurrency(8)
			.handler(new Recorder(url, username, password));
	}

	/** Records each (id, seq) in {@code handled}, slowly (50 ms per event), on a connection per thread. */
	static final class Recorder implements BatchHandler {

		private final ThreadLocal<Connection> connections;

		Recorder(String url, String username, String password) {
			this.connections = ThreadLocal.withInitial(() -> {
				try {
					return DriverManager.getConnection(url, username, password);
				}
				catch (SQLException ex) {
					throw new IllegalStateException(ex);
				}
			});
		}

		@Override
		public void handle(dev.pgcdc.event.TransactionBatch batch) throws Exception {
			for (CdcEvent event : batch.events()) {
				if (event instanceof ChangeEvent change && change.newRecord() != null) {
					Thread.sleep(50);
					try (PreparedStatement insert = this.connections.get()
						.prepareStatement("INSERT INTO handled VALUES (?, ?) ON CONFLICT DO NOTHING")) {
						insert.setInt(1, (Integer) change.newRecord().get("id"));
						insert.setInt(2, (Integer) change.newRecord().get("seq"));
						insert.executeUpdate();
					}
				}
			}
		}

	}

}
