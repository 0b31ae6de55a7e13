package dev.pgcdc.snapshot;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.pgcdc.event.TableName;
import dev.pgcdc.snapshot.SnapshotStatus.State;
import dev.pgcdc.stream.CdcConfigurationException;
import org.jspecify.annotations.Nullable;

/**
 * Where a durable slot's snapshots keep their progress, so that a restart resumes after the
 * last delivered chunk: one row per slot and table in a small table of its own, written after
 * each delivered chunk. A temporary slot keeps nothing (a new slot means a new snapshot).
 */
class ProgressStore {

	/** Keeps nothing. */
	static final ProgressStore NONE = new ProgressStore();

	/**
	 * One table's snapshot as stored.
	 *
	 * @param table the table
	 * @param state its state
	 * @param lastKey the key text of the last delivered row, {@code null} before the first chunk
	 * @param rowsRead rows delivered
	 * @param rowsEstimated the estimate at the start
	 * @param startedAt when it was requested
	 * @param finishedAt when it ended
	 * @param lastError why it failed
	 */
	record Progress(TableName table, State state, String @Nullable [] lastKey, long rowsRead, long rowsEstimated,
			Instant startedAt, @Nullable Instant finishedAt, @Nullable String lastError) {
	}

	/** Make sure the store can be used. @throws SQLException if the server fails */
	void prepare() throws SQLException {
	}

	/** @param progress the new progress of its table @throws SQLException if the server fails */
	void save(Progress progress) throws SQLException {
	}

	/** @return what is stored for this slot @throws SQLException if the server fails */
	List<Progress> load() throws SQLException {
		return List.of();
	}

	/** Forget every table of this slot. @throws SQLException if the server fails */
	void clear() throws SQLException {
	}

	/** Release what the store holds. */
	void close() {
	}

	/** The rows of {@code pgcdc_snapshots} (or the configured table) of one slot. */
	static final class Jdbc extends ProgressStore {

		private final ConnectionSource connections;

		private final String table;

		private final String slot;

		private @Nullable Connection connection;

		Jdbc(ConnectionSource connections, String table, String slot) {
			this.connections = connections;
			this.table = table;
			this.slot = slot;
		}

		@Override
		synchronized void prepare() throws SQLException {
			try {
				Statement statement = connection().createStatement();
				try (statement) {
					statement.execute("CREATE TABLE IF NOT EXISTS " + this.table + " (slot_name text NOT NULL,"
							+ " table_name text NOT NULL, state text NOT NULL, last_key text[], rows_read bigint NOT NULL,"
							+ " rows_estimated bigint NOT NULL, started_at timestamptz NOT NULL, finished_at timestamptz,"
							+ " last_error text, updated_at timestamptz NOT NULL DEFAULT now(),"
							+ " PRIMARY KEY (slot_name, table_name))");
				}
			}
			catch (SQLException ex) {
				if ("42501".equals(ex.getSQLState())) {
					throw new CdcConfigurationException("Cannot create the snapshot progress table " + this.table
							+ " (a durable slot's snapshot resumes from it): " + ex.getMessage() + ". Create it once as"
							+ " its owner or grant the stream's user CREATE on the schema (see docs/snapshots.md)", ex);
				}
				throw reset(ex);
			}
		}

		@Override
		synchronized void save(Progress progress) throws SQLException {
			try (PreparedStatement statement = connection().prepareStatement("INSERT INTO " + this.table
					+ " (slot_name, table_name, state, last_key, rows_read, rows_estimated, started_at, finished_at,"
					+ " last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (slot_name, table_name) DO UPDATE SET"
					+ " state = EXCLUDED.state, last_key = EXCLUDED.last_key, rows_read = EXCLUDED.rows_read,"
					+ " rows_estimated = EXCLUDED.rows_estimated, started_at = EXCLUDED.started_at,"
					+ " finished_at = EXCLUDED.finished_at, last_error = EXCLUDED.last_error, updated_at = now()")) {
				statement.setString(1, this.slot);
				statement.setString(2, progress.table().quoted());
				statement.setString(3, progress.state().name());
				String[] key = progress.lastKey();
				Array array = (key != null) ? statement.getConnection().createArrayOf("text", key) : null;
				statement.setArray(4, array);
				statement.setLong(5, progress.rowsRead());
				statement.setLong(6, progress.rowsEstimated());
				statement.setTimestamp(7, Timestamp.from(progress.startedAt()));
				Instant finished = progress.finishedAt();
				statement.setTimestamp(8, (finished != null) ? Timestamp.from(finished) : null);
				statement.setString(9, progress.lastError());
				statement.executeUpdate();
			}
			catch (SQLException ex) {
				throw reset(ex);
			}
		}

		@Override
		synchronized List<Progress> load() throws SQLException {
			List<Progress> stored = new ArrayList<>();
			try (PreparedStatement statement = connection().prepareStatement("SELECT table_name, state, last_key,"
					+ " rows_read, rows_estimated, started_at, finished_at, last_error FROM " + this.table
					+ " WHERE slot_name = ? ORDER BY started_at, table_name")) {
				statement.setString(1, this.slot);
				try (ResultSet row = statement.executeQuery()) {
					while (row.next()) {
						Array key = row.getArray(3);
						Timestamp finished = row.getTimestamp(7);
						stored.add(new Progress(TableName.parse(row.getString(1)), State.valueOf(row.getString(2)),
								(key != null) ? (String[]) key.getArray() : null, row.getLong(4), row.getLong(5),
								row.getTimestamp(6).toInstant(), (finished != null) ? finished.toInstant() : null,
								row.getString(8)));
					}
				}
			}
			catch (SQLException ex) {
				// 42P01: no table yet, so nothing stored
				if ("42P01".equals(ex.getSQLState())) {
					reset(ex);
					return List.of();
				}
				throw reset(ex);
			}
			return stored;
		}

		@Override
		synchronized void clear() throws SQLException {
			try (PreparedStatement statement = connection()
				.prepareStatement("DELETE FROM " + this.table + " WHERE slot_name = ?")) {
				statement.setString(1, this.slot);
				statement.executeUpdate();
			}
			catch (SQLException ex) {
				throw reset(ex);
			}
		}

		@Override
		synchronized void close() {
			Connection current = this.connection;
			this.connection = null;
			if (current != null) {
				try {
					current.close();
				}
				catch (SQLException ex) {
					// closing: nothing to do
				}
			}
		}

		private Connection connection() throws SQLException {
			Connection current = this.connection;
			if (current == null || current.isClosed()) {
				current = this.connections.open();
				this.connection = current;
			}
			return current;
		}

		private SQLException reset(SQLException ex) {
			// the next call opens a fresh connection: this one may be broken
			close();
			return ex;
		}

	}

}
