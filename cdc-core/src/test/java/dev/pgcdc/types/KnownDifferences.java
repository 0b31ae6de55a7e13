package dev.pgcdc.types;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where our values differ from pgjdbc's {@code getObject} on purpose, each with its reason
 * (the lead copies them into API.md). The fidelity tests fail when this list and reality drift
 * apart in either direction.
 */
final class KnownDifferences {

	/** "column row n" → why our value differs. */
	static final Map<String, String> TEXT = new LinkedHashMap<>();

	static {
		String int2 = "API.md fixes int2 -> Short; pgjdbc getObject returns Integer (JDBC SMALLINT mapping);"
				+ " getObject(i, Short.class) is equal";
		TEXT.put("c_int2 row 1", int2);
		TEXT.put("c_int2 row 2", int2);
		TEXT.put("c_int2 row 3", int2);
		String geometric = "geometric types are the server's text; pgjdbc's PGpoint/PGbox print coordinates as"
				+ " Java doubles ((1.0,2.0) for (1,2))";
		TEXT.put("c_box_arr row 1", geometric);
		TEXT.put("c_point row 1", geometric);
		TEXT.put("c_box row 1", geometric);
		String numericArray = "numeric[] with NaN/Infinity: pgjdbc getArray() throws; we give Double NaN/infinities"
				+ " as for a numeric column";
		TEXT.put("c_numeric_arr row 1", numericArray);
		TEXT.put("c_numeric_arr row 5", numericArray);
		TEXT.put("c_timestamp_arr row 6", "infinity inside timestamp[]: pgjdbc gives a sentinel java.sql.Timestamp"
				+ " (year 292278994); we give LocalDateTime.MAX as for a timestamp column");
		String jsonbArray = "jsonb[] elements: pgjdbc gives Strings; we give JsonNode as for a jsonb column";
		TEXT.put("c_jsonb_arr row 1", jsonbArray);
		TEXT.put("c_jsonb_arr row 12", jsonbArray);
		String interval = "interval is the server's text (IntervalStyle); pgjdbc's PGInterval prints its own"
				+ " format (1 years 2 mons ... 6.789 secs)";
		TEXT.put("c_interval row 1", interval);
		TEXT.put("c_interval row 2", interval);
		TEXT.put("c_interval_arr row 4", interval);
		TEXT.put("c_posint_arr row 4", "array of a domain: pgjdbc gives the elements as Strings; we decode them as"
				+ " the domain's base type (Integer), as for a domain column");
		TEXT.put("c_timetz_arr row 4", "timetz[]: pgjdbc gives java.sql.Time (offset and microseconds lost); we give"
				+ " OffsetTime as for a timetz column");
		String money = "money is the server's text (lc_monetary); pgjdbc getObject returns a Double, which is lossy"
				+ " and fails on values with thousands separators";
		TEXT.put("c_money row 1", money);
		TEXT.put("c_money row 2", money);
	}

	private KnownDifferences() {
	}

}
