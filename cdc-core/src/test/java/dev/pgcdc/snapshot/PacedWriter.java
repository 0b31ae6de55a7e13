package dev.pgcdc.snapshot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.pgcdc.test.TestDatabase;

/**
 * Writes to an {@code (id bigint primary key, balance int, note text)} table at a steady rate
 * until stopped: inserts (new keys above and below the existing ones, negative included),
 * updates of values, updates of the key, deletes; some in multi-statement transactions. The
 * pacing is load, not synchronisation.
 */
final class PacedWriter implements AutoCloseable {

	private final Thread thread;

	private final AtomicLong operations = new AtomicLong();

	private volatile boolean stopped;

	private volatile Throwable failure;

	PacedWriter(TestDatabase database, String table, long initialRows, int perSecond, long seed) {
		this.thread = new Thread(() -> run(database, table, initialRows, perSecond, seed), "paced-writer-" + table);
		this.thread.setDaemon(true);
	}

	PacedWriter start() {
		this.thread.start();
		return this;
	}

	long operations() {
		return this.operations.get();
	}

	private void run(TestDatabase database, String table, long initialRows, int perSecond, long seed) {
		Random random = new Random(seed);
		long pause = TimeUnit.SECONDS.toNanos(1) / perSecond;
		long nextHigh = initialRows * 2;
		long nextLow = -1;
		try (Connection connection = database.connect();
				PreparedStatement insert = connection
					.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING");
				PreparedStatement update = connection
					.prepareStatement("UPDATE " + table + " SET balance = balance + 1, note = ? WHERE id = ?");
				PreparedStatement move = connection.prepareStatement("UPDATE " + table + " SET id = ? WHERE id = ?");
				PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
			long next = System.nanoTime();
			while (!this.stopped) {
				boolean transaction = random.nextInt(10) == 0;
				connection.setAutoCommit(!transaction);
				int statements = transaction ? 2 + random.nextInt(4) : 1;
				for (int i = 0; i < statements; i++) {
					long id = random.nextLong(initialRows);
					switch (random.nextInt(10)) {
						case 0, 1 -> execute(insert, random.nextBoolean() ? nextHigh++ : nextLow--, random.nextInt(1000),
								"new");
						case 2, 3, 4, 5 -> {
							update.setString(1, "u" + random.nextInt(100));
							update.setLong(2, id);
							update.executeUpdate();
						}
						case 6 -> {
							// a key moved forward and one moved backward: across chunk boundaries both ways
							move.setLong(1, random.nextBoolean() ? nextHigh++ : nextLow--);
							move.setLong(2, id);
							move.executeUpdate();
						}
						case 7 -> {
							move.setLong(1, initialRows + random.nextLong(initialRows / 2 + 1));
							move.setLong(2, id);
							try {
								move.executeUpdate();
							}
							catch (SQLException duplicate) {
								if (transaction) {
									connection.rollback();
								}
							}
						}
						default -> {
							delete.setLong(1, id);
							delete.executeUpdate();
						}
					}
					this.operations.incrementAndGet();
				}
				if (transaction) {
					connection.commit();
				}
				next += pause * statements;
				long wait = next - System.nanoTime();
				if (wait > 0) {
					LockSupport.parkNanos(wait);
				}
			}
		}
		catch (Throwable ex) {
			this.failure = ex;
		}
	}

	private static void execute(PreparedStatement insert, long id, int balance, String note) throws SQLException {
		insert.setLong(1, id);
		insert.setInt(2, balance);
		insert.setString(3, note);
		insert.executeUpdate();
	}

	@Override
	public void close() throws InterruptedException {
		this.stopped = true;
		this.thread.join(30_000);
		if (this.failure != null) {
			throw new IllegalStateException("The writer failed", this.failure);
		}
	}

}
