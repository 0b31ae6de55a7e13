package dev.pgcdc.stream;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.pgcdc.event.TableName;

/**
 * A subscribed table as found in the catalog at start-up.
 *
 * @param name the table
 * @param columns column name to type name, in table order
 */
public record TableInfo(TableName name, Map<String, String> columns) {

	public TableInfo {
		columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
	}

}
