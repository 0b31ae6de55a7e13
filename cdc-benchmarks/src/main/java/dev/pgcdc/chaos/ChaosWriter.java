package dev.pgcdc.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The chaos test's source: transactions of 1 to 20 row changes (inserts, updates, deletes of
 * {@code items}) on a fixed schedule, each recording itself in {@code chaos_tx} (its sequence
 * number and how many row changes it made) in the same transaction, so the source itself says
 * which transactions committed. Survives server restarts: a transaction whose commit failed is
 * looked up in {@code chaos_tx} after reconnecting, and counts only if it is there.
 * <p>
 * {@code ChaosWriter <jdbc url> <user> <transactions/s> <seconds> <seed> [<on ms>-<off ms>]}: with the
 * last argument it writes in bursts, {@code on} ms at the rate then {@code off} ms nothing (the
 * acknowledgement of a burst's last transactions is then what a kill in the pause tests); prints
 * {@code WRITER committed=… last_seq=… failed_attempts=… rate=…} at the end.
 */
public final class ChaosWriter {

	private final String url;

	private final String user;

	private final Random random;

	/** id → v of the rows that exist, as far as committed transactions say. */
	private final Map<Long, Long> live = new HashMap<>();

	private final List<Long> ids = new ArrayList<>();

	private final Map<Long, Integer> index = new HashMap<>();

	private long nextId = 1;

	private Connection connection;

	private ChaosWriter(String url, String user, long seed) {
		this.url = url;
		this.user = user;
		this.random = new Random(seed);
	}

	public static void main(String[] args) throws Exception {
		String url = args[0];
		String user = args[1];
		double rate = Double.parseDouble(args[2]);
		long seconds = Long.parseLong(args[3]);
		long seed = Long.parseLong(args[4]);
		long on = 0;
		long off = 0;
		if (args.length > 5 && !args[5].isEmpty()) {
			on = Long.parseLong(args[5].substring(0, args[5].indexOf('-')));
			off = Long.parseLong(args[5].substring(args[5].indexOf('-') + 1));
		}
		new ChaosWriter(url, user, seed).run(rate, seconds, TimeUnit.MILLISECONDS.toNanos(on),
				TimeUnit.MILLISECONDS.toNanos(off));
	}

	private void run(double rate, long seconds, long onNanos, long offNanos) throws InterruptedException {
		long period = (long) (TimeUnit.SECONDS.toNanos(1) / rate);
		long start = System.nanoTime();
		long end = start + TimeUnit.SECONDS.toNanos(seconds);
		long seq = 1;
		long failed = 0;
		for (long i = 0;; i++) {
			long due = start + i * period;
			if (due >= end) {
				break;
			}
			if (offNanos > 0 && (due - start) % (onNanos + offNanos) >= onNanos) {
				// a pause between bursts: this slot of the schedule stays empty
				continue;
			}
			long wait;
			while ((wait = due - System.nanoTime()) > 0) {
				LockSupport.parkNanos(wait);
			}
			Map<Long, Long> changes = new HashMap<>();
			try {
				write(seq, changes);
				apply(changes);
				seq++;
			}
			catch (SQLException ex) {
				failed++;
				closeQuietly();
				if (committed(seq)) {
					apply(changes);
					seq++;
				}
			}
		}
		closeQuietly();
		double took = (System.nanoTime() - start) / 1e9;
		System.out.printf("WRITER committed=%d last_seq=%d failed_attempts=%d rate=%.1f%n", seq - 1, seq - 1, failed,
				(seq - 1) / took);
	}

	/** One transaction: 1 to 20 row changes and its own record, committed together. */
	private void write(long seq, Map<Long, Long> changes) throws SQLException {
		Connection current = connection();
		int ops = 1 + this.random.nextInt(20);
		try (PreparedStatement insert = current.prepareStatement("INSERT INTO items (id, v) VALUES (?, ?)");
				PreparedStatement update = current.prepareStatement("UPDATE items SET v = ? WHERE id = ?");
				PreparedStatement delete = current.prepareStatement("DELETE FROM items WHERE id = ?");
				PreparedStatement log = current.prepareStatement("INSERT INTO chaos_tx (seq, ops) VALUES (?, ?)")) {
			long newId = this.nextId;
			for (int op = 0; op < ops; op++) {
				int choice = this.random.nextInt(10);
				long v = this.random.nextInt(1_000_000);
				Long target = (this.live.size() < 50 || choice < 4) ? null : pick(changes);
				if (target == null) {
					long id = newId++;
					insert.setLong(1, id);
					insert.setLong(2, v);
					insert.executeUpdate();
					changes.put(id, v);
				}
				else {
					long id = target;
					if (choice < 7) {
						update.setLong(1, v);
						update.setLong(2, id);
						update.executeUpdate();
						changes.put(id, v);
					}
					else {
						delete.setLong(1, id);
						delete.executeUpdate();
						changes.put(id, null);
					}
				}
			}
			log.setLong(1, seq);
			log.setInt(2, ops);
			log.executeUpdate();
			current.commit();
			this.nextId = newId;
		}
		catch (SQLException ex) {
			// the ids of a transaction that did not commit are given out again
			throw ex;
		}
	}

	/**
	 * @param changes what the transaction did so far (null: deleted)
	 * @return a random row that exists for the transaction, or {@code null} (then it inserts)
	 */
	private Long pick(Map<Long, Long> changes) {
		for (int attempt = 0; attempt < 20 && !this.ids.isEmpty(); attempt++) {
			long id = this.ids.get(this.random.nextInt(this.ids.size()));
			if (!changes.containsKey(id) || changes.get(id) != null) {
				return id;
			}
		}
		return null;
	}

	private void apply(Map<Long, Long> changes) {
		changes.forEach((id, v) -> {
			if (v == null) {
				this.live.remove(id);
				Integer at = this.index.remove(id);
				if (at != null) {
					long last = this.ids.remove(this.ids.size() - 1);
					if (last != id) {
						this.ids.set(at, last);
						this.index.put(last, at);
					}
				}
			}
			else {
				if (this.live.put(id, v) == null) {
					this.index.put(id, this.ids.size());
					this.ids.add(id);
				}
			}
			this.nextId = Math.max(this.nextId, id + 1);
		});
	}

	/** After a failed commit: whether the transaction committed after all (the server says). */
	private boolean committed(long seq) throws InterruptedException {
		while (true) {
			try (PreparedStatement query = connection().prepareStatement("SELECT 1 FROM chaos_tx WHERE seq = ?")) {
				query.setLong(1, seq);
				try (ResultSet row = query.executeQuery()) {
					boolean found = row.next();
					connection().commit();
					return found;
				}
			}
			catch (SQLException ex) {
				closeQuietly();
				// the server is restarting: try again soon (pacing, not synchronisation)
				TimeUnit.MILLISECONDS.sleep(100);
			}
		}
	}

	private Connection connection() throws SQLException {
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
