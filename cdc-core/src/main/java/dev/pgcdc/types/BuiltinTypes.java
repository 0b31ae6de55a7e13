package dev.pgcdc.types;

import org.jspecify.annotations.Nullable;

/**
 * The table of built-in types ({@code pg_catalog}, OIDs fixed since their release), indexed
 * by OID, with each type's array type. Types without a richer Java mapping decode as their text.
 */
final class BuiltinTypes {

	private static final TypeDecoder[] TABLE = new TypeDecoder[7000];

	static {
		TextDecoder string = ScalarDecoders.STRING;
		BinaryDecoder utf8 = ScalarDecoders.STRING_BINARY;
		base(16, "bool", 1000, NumericDecoders.BOOL, BinaryDecoders.BOOL);
		base(17, "bytea", 1001, ScalarDecoders.BYTEA, BinaryDecoders.BYTEA);
		base(18, "char", 1002, string, utf8);
		base(19, "name", 1003, string, utf8);
		base(20, "int8", 1016, NumericDecoders.INT8, BinaryDecoders.INT8);
		base(21, "int2", 1005, NumericDecoders.INT2, BinaryDecoders.INT2);
		text(22, "int2vector", 1006);
		base(23, "int4", 1007, NumericDecoders.INT4, BinaryDecoders.INT4);
		text(24, "regproc", 1008);
		base(25, "text", 1009, string, utf8);
		base(26, "oid", 1028, NumericDecoders.INT8, BinaryDecoders.OID);
		text(27, "tid", 1010);
		text(28, "xid", 1011);
		text(29, "cid", 1012);
		text(30, "oidvector", 1013);
		base(114, "json", 199, ScalarDecoders.JSON, ScalarDecoders.JSON_BINARY);
		text(142, "xml", 143);
		text(194, "pg_node_tree", 0);
		text(600, "point", 1017);
		text(601, "lseg", 1018);
		text(602, "path", 1019);
		base(603, "box", 1020, string, null, ';');
		text(604, "polygon", 1027);
		text(628, "line", 629);
		text(650, "cidr", 651);
		base(700, "float4", 1021, NumericDecoders.FLOAT4, BinaryDecoders.FLOAT4);
		base(701, "float8", 1022, NumericDecoders.FLOAT8, BinaryDecoders.FLOAT8);
		text(705, "unknown", 0);
		text(718, "circle", 719);
		text(774, "macaddr8", 775);
		text(790, "money", 791);
		text(829, "macaddr", 1040);
		text(869, "inet", 1041);
		text(1033, "aclitem", 1034);
		base(1042, "bpchar", 1014, string, utf8);
		base(1043, "varchar", 1015, string, utf8);
		base(1082, "date", 1182, TemporalDecoders.DATE, BinaryDecoders.DATE);
		base(1083, "time", 1183, TemporalDecoders.TIME, BinaryDecoders.TIME);
		base(1114, "timestamp", 1115, TemporalDecoders.TIMESTAMP, BinaryDecoders.TIMESTAMP);
		base(1184, "timestamptz", 1185, TemporalDecoders.TIMESTAMPTZ, BinaryDecoders.TIMESTAMPTZ);
		text(1186, "interval", 1187);
		base(1266, "timetz", 1270, TemporalDecoders.TIMETZ, BinaryDecoders.TIMETZ);
		base(1560, "bit", 1561, ScalarDecoders.BIT, ScalarDecoders.BIT_BINARY);
		base(1562, "varbit", 1563, string, ScalarDecoders.VARBIT_BINARY);
		base(1700, "numeric", 1231, NumericDecoders.NUMERIC, BinaryNumericDecoder.INSTANCE);
		text(1790, "refcursor", 2201);
		text(2202, "regprocedure", 2207);
		text(2203, "regoper", 2208);
		text(2204, "regoperator", 2209);
		text(2205, "regclass", 2210);
		text(2206, "regtype", 2211);
		text(2249, "record", 2287);
		text(2275, "cstring", 1263);
		base(2950, "uuid", 2951, ScalarDecoders.UUID_TEXT, BinaryDecoders.UUID_BINARY);
		text(2970, "txid_snapshot", 2949);
		text(3220, "pg_lsn", 3221);
		text(3614, "tsvector", 3643);
		text(3615, "tsquery", 3645);
		text(3734, "regconfig", 3735);
		text(3769, "regdictionary", 3770);
		base(3802, "jsonb", 3807, ScalarDecoders.JSON, ScalarDecoders.JSONB_BINARY);
		text(3904, "int4range", 3905);
		text(3906, "numrange", 3907);
		text(3908, "tsrange", 3909);
		text(3910, "tstzrange", 3911);
		text(3912, "daterange", 3913);
		text(3926, "int8range", 3927);
		text(4072, "jsonpath", 4073);
		text(4089, "regnamespace", 4090);
		text(4096, "regrole", 4097);
		text(4191, "regcollation", 4192);
		text(4451, "int4multirange", 6150);
		text(4532, "nummultirange", 6151);
		text(4533, "tsmultirange", 6152);
		text(4534, "tstzmultirange", 6153);
		text(4535, "datemultirange", 6155);
		text(4536, "int8multirange", 6157);
		text(5038, "pg_snapshot", 5039);
		text(5069, "xid8", 271);
	}

	private BuiltinTypes() {
	}

	/**
	 * @param oid a type OID
	 * @return the built-in type's decoder, or {@code null} when the OID is not in the table
	 */
	static @Nullable TypeDecoder find(int oid) {
		return (oid >= 0 && oid < TABLE.length) ? TABLE[oid] : null;
	}

	/** @return the OIDs in the table, for tests that check it against {@code pg_type} */
	static int[] oids() {
		return java.util.stream.IntStream.range(0, TABLE.length).filter((oid) -> TABLE[oid] != null).toArray();
	}

	private static void text(int oid, String name, int arrayOid) {
		base(oid, name, arrayOid, ScalarDecoders.STRING, null);
	}

	private static void base(int oid, String name, int arrayOid, TextDecoder text, @Nullable BinaryDecoder binary) {
		base(oid, name, arrayOid, text, binary, ',');
	}

	private static void base(int oid, String name, int arrayOid, TextDecoder text, @Nullable BinaryDecoder binary,
			char delimiter) {
		TypeDecoder type = new TypeDecoder(name, text, binary, delimiter);
		TABLE[oid] = type;
		if (arrayOid != 0) {
			TABLE[arrayOid] = type.array("_" + name);
		}
	}

}
