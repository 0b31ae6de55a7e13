package dev.pgcdc.event;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where an event came from, as WalEx's {@code source}.
 *
 * @param name the producer name, always {@code "pgcdc"}
 * @param version the PostgreSQL server version (for example {@code "17.2"})
 * @param database the database name
 * @param schema the table's schema
 * @param table the table name
 * @param columns column name to PostgreSQL type name, in table order
 */
public record Source(String name, String version, String database, String schema, String table,
		Map<String, String> columns) {

	/** The value of {@link #name()}. */
	public static final String NAME = "pgcdc";

	public Source {
		columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
	}

}
