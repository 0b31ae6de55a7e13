package dev.pgcdc.types;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import dev.pgcdc.test.TestDatabase;

/**
 * A table {@code everything} with a column of every type the registry maps, and rows of edge
 * values, shared by the fidelity tests.
 */
final class TypeFixture {

	static final String[] SCHEMA = {
			"CREATE TYPE mood AS ENUM ('happy', 'sad', 'it''s \"complicated\"')",
			"CREATE DOMAIN posint AS int4 CHECK (VALUE > 0)",
			"CREATE DOMAIN shorttext AS text CHECK (length(VALUE) < 20)",
			"CREATE DOMAIN intlist AS int4[]",
			"CREATE TYPE pair AS (a int4, b text)", "CREATE EXTENSION citext", "CREATE EXTENSION hstore", };

	/** column name → SQL type, in table order. */
	static final Map<String, String> COLUMNS = new LinkedHashMap<>();

	/** one map per row: column → SQL literal (absent = NULL). */
	static final List<Map<String, String>> ROWS = new ArrayList<>();

	static final String BIG_NUMERIC = "9".repeat(600) + "." + "1234567890".repeat(40);

	/** Past Jackson's default limits (nesting 500, numbers of 1,000 characters), within the server's. */
	static final String DEEP_JSON = "[".repeat(999) + "{\"n\": " + "1234567890".repeat(150) + "." + "5".repeat(500) + "}"
			+ "]".repeat(999);

	static {
		String[][] columns = { { "c_int2", "int2" }, { "c_int4", "int4" }, { "c_int8", "int8" },
				{ "c_numeric", "numeric" }, { "c_numeric_scaled", "numeric(10,3)" }, { "c_float4", "float4" },
				{ "c_float8", "float8" }, { "c_bool", "bool" }, { "c_text", "text" }, { "c_varchar", "varchar(20)" },
				{ "c_bpchar", "char(5)" }, { "c_name", "name" }, { "c_char", "\"char\"" }, { "c_uuid", "uuid" },
				{ "c_date", "date" }, { "c_time", "time" }, { "c_timetz", "timetz" }, { "c_timestamp", "timestamp" },
				{ "c_timestamptz", "timestamptz" }, { "c_bytea", "bytea" }, { "c_json", "json" }, { "c_jsonb", "jsonb" },
				{ "c_oid", "oid" }, { "c_int4_arr", "int4[]" }, { "c_int4_2d", "int4[]" }, { "c_text_arr", "text[]" },
				{ "c_box_arr", "box[]" }, { "c_numeric_arr", "numeric[]" }, { "c_float8_arr", "float8[]" },
				{ "c_bool_arr", "bool[]" }, { "c_uuid_arr", "uuid[]" }, { "c_date_arr", "date[]" },
				{ "c_timestamp_arr", "timestamp[]" }, { "c_timestamptz_arr", "timestamptz[]" },
				{ "c_jsonb_arr", "jsonb[]" }, { "c_bytea_arr", "bytea[]" }, { "c_int2_arr", "int2[]" },
				{ "c_int8_arr", "int8[]" }, { "c_varchar_arr", "varchar[]" }, { "c_mood", "mood" },
				{ "c_mood_arr", "mood[]" }, { "c_posint", "posint" }, { "c_shorttext", "shorttext" },
				{ "c_intlist", "intlist" }, { "c_pair", "pair" }, { "c_interval", "interval" }, { "c_inet", "inet" },
				{ "c_cidr", "cidr" }, { "c_macaddr", "macaddr" }, { "c_money", "money" }, { "c_bit", "bit(3)" },
				{ "c_bit1", "bit(1)" }, { "c_varbit", "varbit" }, { "c_xml", "xml" }, { "c_point", "point" },
				{ "c_box", "box" }, { "c_int4range", "int4range" }, { "c_tstzrange", "tstzrange" },
				{ "c_int8multirange", "int8multirange" }, { "c_tsvector", "tsvector" }, { "c_pg_lsn", "pg_lsn" },
				{ "c_citext", "citext" }, { "c_citext_arr", "citext[]" }, { "c_hstore", "hstore" },
				{ "c_pair_arr", "pair[]" }, { "c_posint_arr", "posint[]" }, { "c_text_2d", "text[]" },
				{ "c_timetz_arr", "timetz[]" }, { "c_interval_arr", "interval[]" } };
		for (String[] column : columns) {
			COLUMNS.put(column[0], column[1]);
		}
		row("c_int2", "1", "c_int4", "2", "c_int8", "3", "c_numeric", "12.50", "c_numeric_scaled", "1.5",
				"c_float4", "1.5", "c_float8", "2.25", "c_bool", "true",
				"c_text", "'héllo \"world\" \\ it''s 😀'", "c_varchar", "'v'", "c_bpchar", "'ab'", "c_name", "'nm'",
				"c_char", "'x'", "c_uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "c_date", "'2024-02-29'",
				"c_time", "'13:14:15.123456'", "c_timetz", "'13:14:15.5+05:30'",
				"c_timestamp", "'2024-02-29 13:14:15.123456'", "c_timestamptz", "'2024-02-29 13:14:15.123456+02'",
				"c_bytea", "'\\x00ff0010'", "c_json", "'{\"a\": [1, 2, {\"b\": null}], \"c\": 1.5, \"d\": \"x\\\"y\"}'",
				"c_jsonb", "'{\"a\": [1, 2, {\"b\": null}], \"c\": 1.50, \"big\": 123456789012345678901234567890}'",
				"c_oid", "4000000000", "c_int4_arr", "'{1,NULL,3}'", "c_int4_2d", "'{{1,2},{3,4}}'",
				"c_text_arr", "ARRAY['a,b', 'c\"d', 'e\\f', NULL, 'NULL', '😀', ' sp ', '', '{x}']",
				"c_box_arr", "ARRAY[box '((1,1),(0,0))', box '((2,2),(1,1))']", "c_numeric_arr", "'{1.5,NaN,-0.001}'",
				"c_float8_arr", "'{1.5,NaN,Infinity,-Infinity}'", "c_bool_arr", "'{t,f,NULL}'",
				"c_uuid_arr", "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'", "c_date_arr", "'{2024-01-01,1969-12-31}'",
				"c_timestamp_arr", "'{\"2024-01-01 10:00:00.5\",\"1960-06-01 00:00:00\"}'",
				"c_timestamptz_arr", "'{\"2024-01-01 10:00:00.5+00\",\"1960-06-01 00:00:00+03\"}'",
				"c_jsonb_arr", "ARRAY['{\"a\":1}'::jsonb, '[true,null]'::jsonb]", "c_bytea_arr", "ARRAY['\\x00'::bytea, '\\xdead'::bytea]",
				"c_int2_arr", "'{1,-2}'", "c_int8_arr", "'{9223372036854775807}'", "c_varchar_arr", "'{a,\"b c\"}'",
				"c_mood", "'happy'", "c_mood_arr", "ARRAY['sad', 'it''s \"complicated\"']::mood[]", "c_posint", "5",
				"c_shorttext", "'dom'", "c_intlist", "'{7,8}'", "c_pair", "ROW(1, 'x y')",
				"c_interval", "'1 year 2 mons 3 days 04:05:06.789'", "c_inet", "'192.168.0.1/24'", "c_cidr", "'10.0.0.0/8'",
				"c_macaddr", "'08:00:2b:01:02:03'", "c_money", "12.34", "c_bit", "B'101'", "c_bit1", "B'1'",
				"c_varbit", "B'1101'", "c_xml", "'<a>x</a>'", "c_point", "'(1,2)'", "c_box", "'((1,1),(0,0))'",
				"c_int4range", "'[1,10)'", "c_tstzrange", "'[2024-01-01 00:00:00+00,)'",
				"c_int8multirange", "'{[1,3),[5,7)}'", "c_tsvector", "'a fat cat'", "c_pg_lsn", "'16/B374D848'",
				"c_citext", "'MiXeD 😀'", "c_citext_arr", "'{A,\"b c\"}'",
				"c_hstore", "'a=>1, \"b c\"=>NULL, \"q\\\"x\"=>\"\\\\\"'");
		row("c_int2", "-32768", "c_int4", "-2147483648", "c_int8", "-9223372036854775808", "c_numeric", "'NaN'",
				"c_float4", "'NaN'", "c_float8", "'Infinity'", "c_bool", "false", "c_text", "''", "c_bpchar", "'abcde'",
				"c_date", "'infinity'", "c_time", "'24:00:00'", "c_timetz", "'00:00:00-08'",
				"c_timestamp", "'-infinity'", "c_timestamptz", "'infinity'", "c_bytea", "'\\x'",
				"c_json", "'[]'", "c_jsonb", "'\"just a string\"'", "c_oid", "0", "c_int4_arr", "'{}'",
				"c_text_arr", "'{}'", "c_int4_2d", "'[0:1][1:1]={{1},{2}}'", "c_numeric_arr", "'{}'",
				"c_uuid", "'00000000-0000-0000-0000-000000000000'", "c_numeric_scaled", "'-0.001'",
				"c_money", "'-1000000.99'", "c_bit1", "B'0'", "c_interval", "'-1 days -00:00:01'",
				"c_inet", "'::1'", "c_cidr", "'2001:db8::/32'");
		row("c_int2", "32767", "c_int4", "2147483647", "c_int8", "9223372036854775807", "c_numeric", "'Infinity'",
				"c_float4", "'-Infinity'", "c_float8", "'-Infinity'", "c_date", "'-infinity'",
				"c_timestamp", "'infinity'", "c_timestamptz", "'-infinity'", "c_time", "'00:00:00'",
				"c_timetz", "'23:59:59.999999+14'", "c_text", "'line1\nline2\ttab'",
				"c_numeric_scaled", "'1234567.000'", "c_float4", "'3.4028235e38'");
		row("c_timetz", "'12:00:00+05:30:15'", "c_pair_arr", "ARRAY[ROW(1, 'x y'), ROW(NULL, '\"q\"')]::pair[]",
				"c_posint_arr", "'{1,NULL,3}'", "c_text_2d", "'{{\"a b\",NULL},{\"\\\\\",\"}\"}}'",
				"c_timetz_arr", "'{10:00:00+01,23:59:59.999999-12}'", "c_interval_arr", "'{1 day,-00:00:01}'",
				"c_date", "'0044-03-15 BC'", "c_timestamp", "'1900-01-01 00:00:00'",
				"c_timestamptz", "'1900-01-01 00:00:00+00'", "c_numeric", "'" + BIG_NUMERIC + "'",
				"c_float8", "'1e-300'", "c_float4", "'1.17549435e-38'", "c_numeric_scaled", "'0'",
				"c_time", "'00:00:00.000001'");
		row("c_date", "'10000-01-01'", "c_timestamp", "'2100-12-31 23:59:59.999999'",
				"c_timestamptz", "'2100-12-31 23:59:59.999999+00'", "c_numeric", "'-" + BIG_NUMERIC + "'",
				"c_float8", "'-0'", "c_numeric_arr", "'{Infinity,-Infinity}'");
		row("c_date", "'0001-01-01'", "c_timestamp", "'0001-01-01 00:00:00 BC'",
				"c_timestamptz", "'0100-03-01 12:00:00+00 BC'", "c_numeric", "'0.000000000000000001'",
				"c_timestamp_arr", "'{infinity}'");
		row("c_date", "'1969-12-31'", "c_timestamp", "'1969-12-31 23:59:59.999999'",
				"c_timestamptz", "'1969-12-31 23:59:59.999999+00'", "c_numeric", "'-0.5'", "c_numeric_scaled", "'-12.345'");
		row("c_date", "'2038-01-19'", "c_timestamp", "'2038-01-19 03:14:08'",
				"c_timestamptz", "'2038-01-19 03:14:08+00'", "c_numeric", "'100000000'", "c_int8", "'10000000000000000'");
		row("c_date", "'5874897-12-31'", "c_timestamp", "'294276-12-31 23:59:59.999999'",
				"c_timestamptz", "'294276-12-31 23:59:59.999999+00'", "c_float8", "'1.7976931348623157e308'",
				"c_float4", "'-0'", "c_bpchar", "'a'", "c_json", "'{\"\\u00e9\": \"\\ud83d\\ude00\", \"n\": 1e400}'",
				"c_jsonb", "'{\"n\": 1e-400, \"deep\": [[[[{\"x\": [null]}]]]]}'",
				"c_text_arr", "ARRAY['a\"b\\c', E'tab\\there', 'ü']", "c_varchar_arr", "'{}'");
		row("c_date", "'4713-01-01 BC'", "c_timestamp", "'4713-01-01 00:00:00 BC'",
				"c_timestamptz", "'4713-01-01 00:00:00+00 BC'", "c_time", "'23:59:59.999999'");
		row(); // every column NULL
		row("c_json", "'" + DEEP_JSON + "'", "c_jsonb", "'" + DEEP_JSON + "'", "c_jsonb_arr",
				"ARRAY['" + DEEP_JSON + "'::jsonb]");
	}

	private TypeFixture() {
	}

	private static void row(String... columnValuePairs) {
		Map<String, String> row = new LinkedHashMap<>();
		for (int i = 0; i < columnValuePairs.length; i += 2) {
			row.put(columnValuePairs[i], columnValuePairs[i + 1]);
		}
		ROWS.add(row);
	}

	/** Create the types and the table; returns nothing, inserts nothing. */
	static void createSchema(TestDatabase database) {
		database.execute(SCHEMA);
		StringJoiner columns = new StringJoiner(", ", "CREATE TABLE everything (id int4 PRIMARY KEY, ", ")");
		COLUMNS.forEach((name, type) -> columns.add(name + " " + type));
		database.execute(columns.toString());
	}

	/** @return one INSERT per row, ids from 1 */
	static List<String> inserts() {
		List<String> inserts = new ArrayList<>();
		for (int i = 0; i < ROWS.size(); i++) {
			StringJoiner values = new StringJoiner(", ", "VALUES (" + (i + 1) + (ROWS.get(i).isEmpty() ? "" : ", "), ")");
			ROWS.get(i).values().forEach(values::add);
			String nameList = ROWS.get(i).isEmpty() ? "INSERT INTO everything (id) " : "INSERT INTO everything (id, "
					+ String.join(", ", ROWS.get(i).keySet()) + ") ";
			inserts.add(nameList + values);
		}
		return inserts;
	}

}
