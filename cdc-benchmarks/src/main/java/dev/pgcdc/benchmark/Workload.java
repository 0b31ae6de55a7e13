package dev.pgcdc.benchmark;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.TableName;
import dev.pgcdc.test.TestDatabase;
import org.jspecify.annotations.Nullable;

/**
 * The rows the drain measurements insert: one 10-column table ({@code int8} key, {@code text},
 * {@code int4}, {@code numeric}, {@code timestamptz}, {@code bool}, {@code uuid}, {@code jsonb},
 * {@code varchar}, {@code float8}) filled server-side, with values computed from the key so every
 * run writes the same bytes.
 */
public final class Workload {

	/** The table every measurement streams. */
	public static final TableName TABLE = TableName.parse("public.bench");

	/** The row for key {@code g}, in the table's column order. */
	private static final String ROW = """
			g, 'name ' || g, (g % 100000)::int4, g * 1.5, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second',
			g % 2 = 0, md5(g::text)::uuid, jsonb_build_object('id', g, 'tags', jsonb_build_array('a', 'b')),
			'code-' || (g % 100), g / 7.0""";

	private final TestDatabase database;

	private Workload(TestDatabase database) {
		this.database = database;
	}

	/**
	 * Create the table and the procedure that fills it in small transactions.
	 * @param database the database to create them in
	 * @return the workload on that database
	 */
	public static Workload create(TestDatabase database) {
		database.execute("CREATE TABLE " + TABLE.quoted() + " (id int8 PRIMARY KEY, name text, quantity int4,"
				+ " amount numeric(14,2), created timestamptz, active bool, ref uuid, payload jsonb,"
				+ " code varchar(32), score float8)");
		database.execute("CREATE PROCEDURE bench_insert_chunked(first int8, total int8, per_tx int) LANGUAGE plpgsql"
				+ " AS $$ DECLARE chunk int8; BEGIN chunk := first; WHILE chunk < first + total LOOP"
				+ " INSERT INTO " + TABLE.quoted() + " SELECT " + ROW + " FROM generate_series(chunk,"
				+ " least(chunk + per_tx, first + total) - 1) g; COMMIT; chunk := chunk + per_tx; END LOOP; END $$");
		return new Workload(database);
	}

	/**
	 * Insert {@code rows} rows with keys from {@code first}, in one transaction.
	 * @param first the first key
	 * @param rows how many rows
	 */
	public void insertOneTransaction(long first, long rows) {
		this.database.execute("INSERT INTO " + TABLE.quoted() + " SELECT " + ROW + " FROM generate_series(" + first
				+ ", " + (first + rows - 1) + ") g");
	}

	/**
	 * Insert {@code rows} rows with keys from {@code first}, committing every {@code perTransaction}.
	 * @param first the first key
	 * @param rows how many rows
	 * @param perTransaction rows per transaction
	 */
	public void insertInTransactionsOf(long first, long rows, int perTransaction) {
		this.database.execute("CALL bench_insert_chunked(" + first + ", " + rows + ", " + perTransaction + ")");
	}

	/**
	 * @return an {@code INSERT} of the one row whose key is the statement's only parameter, the
	 * same row {@link #insertOneTransaction} writes for that key (values computed by the server)
	 */
	public static String insertByKeySql() {
		return "INSERT INTO " + TABLE.quoted() + " SELECT " + ROW + " FROM (VALUES (?::int8)) AS v(g)";
	}

	/** Empty the table (one TRUNCATE event when it is published with truncates). */
	public void truncate() {
		this.database.execute("TRUNCATE " + TABLE.quoted());
	}

	/**
	 * Create a publication of the table and a pgoutput slot, so changes made from now on wait in
	 * the slot until a consumer starts.
	 * @param publication the publication name
	 * @param slot the slot name
	 */
	public void createPublicationAndSlot(String publication, String slot) {
		this.database.execute("CREATE PUBLICATION " + TableName.quote(publication) + " FOR TABLE " + TABLE.quoted());
		try (Connection connection = this.database.connect();
				PreparedStatement statement = connection
					.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
			statement.setString(1, slot);
			statement.execute();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot create slot " + slot + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * Wait until the WAL written so far is flushed, so that walsenders can decode all of it (the
	 * test servers run with {@code synchronous_commit=off}, where a commit may sit in the WAL
	 * buffers for up to {@code wal_writer_delay}).
	 * @return the WAL insert position after the last commit, such as {@code 0/1A2B3C4}
	 */
	public String flushedEndOfWal() {
		String end = queryString("SELECT pg_current_wal_insert_lsn()::text");
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
		try (Connection connection = this.database.connect();
				PreparedStatement flushed = connection.prepareStatement("SELECT pg_current_wal_flush_lsn() >= ?::pg_lsn")) {
			flushed.setString(1, end);
			while (true) {
				try (ResultSet rows = flushed.executeQuery()) {
					rows.next();
					if (rows.getBoolean(1)) {
						return end;
					}
				}
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("WAL up to " + end + " not flushed after a minute");
				}
				Thread.onSpinWait();
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot read the WAL position: " + ex.getMessage(), ex);
		}
	}

	/**
	 * @param slot the slot name
	 * @return the slot's confirmed flush position, or {@code null} if it has none
	 */
	public @Nullable String confirmedFlushLsn(String slot) {
		try (Connection connection = this.database.connect();
				PreparedStatement statement = connection.prepareStatement(
						"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet rows = statement.executeQuery()) {
				return rows.next() ? rows.getString(1) : null;
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot read slot " + slot + ": " + ex.getMessage(), ex);
		}
	}

	/** @return the server version, such as {@code 17.6} */
	public String serverVersion() {
		return queryString("SHOW server_version");
	}

	private String queryString(String sql) {
		try (Connection connection = this.database.connect(); Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getString(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Query failed on " + this.database.name() + ": " + ex.getMessage(), ex);
		}
	}

}
