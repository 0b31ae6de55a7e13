package dev.pgcdc.sample.control;

import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The stream as the PostgreSQL server sees it: the logical replication slots of this database
 * (active or not, and how many bytes of WAL they have not confirmed yet) and the publications'
 * tables. This is the view {@code psql} would give; the app's own view comes from the starter.
 */
@Component
class ServerView {

	private final JdbcClient jdbc;

	ServerView(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** @return the logical slots of the current database */
	List<Slot> slots() {
		return this.jdbc.sql("""
				SELECT slot_name, temporary, active, confirmed_flush_lsn::text AS confirmed_flush_lsn,
				       pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag_bytes
				FROM pg_replication_slots
				WHERE database = current_database() AND slot_type = 'logical'
				ORDER BY slot_name""")
			.query((rows, rowNum) -> new Slot(rows.getString("slot_name"), rows.getBoolean("temporary"),
					rows.getBoolean("active"), rows.getString("confirmed_flush_lsn"), rows.getLong("lag_bytes")))
			.list();
	}

	/** @return the tables in this database's publications */
	List<PublishedTable> publishedTables() {
		return this.jdbc.sql("SELECT pubname, schemaname, tablename FROM pg_publication_tables ORDER BY 1, 2, 3")
			.query((rows, rowNum) -> new PublishedTable(rows.getString("pubname"),
					rows.getString("schemaname") + "." + rows.getString("tablename")))
			.list();
	}

	/**
	 * A logical replication slot.
	 * @param name the slot name
	 * @param temporary whether it goes away with its connection
	 * @param active whether a client streams from it now
	 * @param confirmedFlushLsn how far the client has confirmed
	 * @param lagBytes WAL written since then
	 */
	record Slot(String name, boolean temporary, boolean active, String confirmedFlushLsn, long lagBytes) {
	}

	/**
	 * A table in a publication.
	 * @param publication the publication
	 * @param table the qualified table
	 */
	record PublishedTable(String publication, String table) {
	}

}
