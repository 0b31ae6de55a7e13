package dev.pgcdc.live;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.pgcdc.test.TestDatabase;

/**
 * A paced writer of {@code todos(id, user_id, title, done, note)}: inserts, updates of a
 * projected column (title), of an unprojected one (note), of done, moves between users, deletes,
 * small multi-row transactions, and a TRUNCATE when asked.
 */
final class TodoWriter implements AutoCloseable {

	static String create(String table) {
		return "CREATE TABLE " + table + " (id bigint PRIMARY KEY, user_id int NOT NULL, title text,"
				+ " done boolean NOT NULL DEFAULT false, note text)";
	}

	private final String table;

	private final TestDatabase database;

	private final int users;

	private final int perSecond;

	private final Random random;

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final AtomicBoolean truncate = new AtomicBoolean();

	private final AtomicLong operations = new AtomicLong();

	private final AtomicLong nextId = new AtomicLong(1);

	private final Thread thread;

	private volatile Throwable failure;

	TodoWriter(TestDatabase database, String table, int users, int perSecond, long seed) {
		this.database = database;
		this.table = table;
		this.users = users;
		this.perSecond = perSecond;
		this.random = new Random(seed);
		this.thread = new Thread(this::run, "todo-writer");
	}

	/** Insert some rows before the writer starts. */
	void seed(int rows) throws SQLException {
		try (Connection connection = this.database.connect();
				PreparedStatement insert = connection
					.prepareStatement("INSERT INTO " + this.table + " (id, user_id, title, note) VALUES (?, ?, ?, ?)")) {
			for (int i = 0; i < rows; i++) {
				long id = this.nextId.getAndIncrement();
				insert.setLong(1, id);
				insert.setInt(2, this.random.nextInt(this.users));
				insert.setString(3, "t" + id);
				insert.setString(4, "n" + id);
				insert.addBatch();
			}
			insert.executeBatch();
		}
	}

	TodoWriter start() {
		this.thread.start();
		return this;
	}

	long operations() {
		return this.operations.get();
	}

	void truncateSoon() {
		this.truncate.set(true);
	}

	boolean truncated() {
		return !this.truncate.get();
	}

	private void run() {
		long interval = TimeUnit.SECONDS.toNanos(1) / this.perSecond;
		long next = System.nanoTime();
		try (Connection connection = this.database.connect()) {
			while (this.running.get()) {
				if (this.truncate.get()) {
					try (Statement statement = connection.createStatement()) {
						statement.execute("TRUNCATE " + this.table);
					}
					this.truncate.set(false);
				}
				if (this.random.nextInt(20) == 0) {
					connection.setAutoCommit(false);
					for (int i = 0; i < 2 + this.random.nextInt(4); i++) {
						operation(connection);
					}
					connection.commit();
					connection.setAutoCommit(true);
				}
				else {
					operation(connection);
				}
				this.operations.incrementAndGet();
				next += interval;
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

	private void operation(Connection connection) throws SQLException {
		int kind = this.random.nextInt(100);
		long existing = 1 + (long) this.random.nextInt((int) Math.max(1, this.nextId.get() - 1));
		if (kind < 30) {
			long id = this.nextId.getAndIncrement();
			try (PreparedStatement insert = connection
				.prepareStatement("INSERT INTO " + this.table + " (id, user_id, title, note) VALUES (?, ?, ?, ?)")) {
				insert.setLong(1, id);
				insert.setInt(2, this.random.nextInt(this.users));
				insert.setString(3, "t" + id);
				insert.setString(4, "n" + id);
				insert.executeUpdate();
			}
		}
		else if (kind < 50) {
			update(connection, "UPDATE " + this.table + " SET title = title || '+' WHERE id = ?", existing);
		}
		else if (kind < 65) {
			update(connection, "UPDATE " + this.table + " SET note = note || '+' WHERE id = ?", existing);
		}
		else if (kind < 80) {
			try (PreparedStatement move = connection.prepareStatement("UPDATE " + this.table + " SET user_id = ? WHERE id = ?")) {
				move.setInt(1, this.random.nextInt(this.users));
				move.setLong(2, existing);
				move.executeUpdate();
			}
		}
		else if (kind < 88) {
			update(connection, "UPDATE " + this.table + " SET done = NOT done WHERE id = ?", existing);
		}
		else {
			update(connection, "DELETE FROM " + this.table + " WHERE id = ?", existing);
		}
	}

	private void update(Connection connection, String sql, long id) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setLong(1, id);
			statement.executeUpdate();
		}
	}

	@Override
	public void close() throws Exception {
		this.running.set(false);
		this.thread.join(TimeUnit.SECONDS.toMillis(30));
		if (this.failure != null) {
			throw new IllegalStateException("The writer failed", this.failure);
		}
	}

}
