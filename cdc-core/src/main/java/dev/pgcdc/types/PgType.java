package dev.pgcdc.types;

/**
 * A row of {@code pg_type} as far as decoding needs it.
 * @param oid the type OID
 * @param namespace the schema the type lives in
 * @param name the type name ({@code typname}: {@code _int4} for an {@code int4} array)
 * @param kind {@code typtype}: {@code 'b'} base, {@code 'd'} domain, {@code 'e'} enum,
 * {@code 'c'} composite, {@code 'r'} range, {@code 'm'} multirange, {@code 'p'} pseudo
 * @param baseTypeOid for a domain, the type it is over; else {@code 0}
 * @param elementOid for an array, its element type; else {@code 0}
 * @param delimiter the element delimiter this type uses inside arrays ({@code typdelim})
 * @param sendFunction the name of the type's binary output function ({@code typsend}), or
 * {@code ""} when it has none
 */
public record PgType(int oid, String namespace, String name, char kind, int baseTypeOid, int elementOid,
		char delimiter, String sendFunction) {

	/** Send functions that write the value as UTF-8 text, as {@code textsend} does. */
	private static final java.util.Set<String> TEXT_SEND_FUNCTIONS = java.util.Set.of("textsend", "varcharsend",
			"bpcharsend", "namesend", "citextsend", "enum_send");

	/** {@code typtype} of a domain. */
	public static final char DOMAIN = 'd';

	/** {@code typtype} of an enum. */
	public static final char ENUM = 'e';

	/** @return whether this is an array type */
	public boolean isArray() {
		return this.elementOid != 0;
	}

	/** @return whether this is a domain */
	public boolean isDomain() {
		return this.kind == DOMAIN;
	}

	/** @return whether this is an enum */
	public boolean isEnum() {
		return this.kind == ENUM;
	}

	/** @return whether the binary form of this type is its text in UTF-8 ({@code citext}, enums) */
	public boolean sendsText() {
		return TEXT_SEND_FUNCTIONS.contains(this.sendFunction);
	}

	/**
	 * @return the name as used in {@code Source.columns}: bare in {@code pg_catalog} and
	 * {@code public}, else schema-qualified
	 */
	public String displayName() {
		return displayName(this.namespace, this.name);
	}

	static String displayName(String namespace, String name) {
		return ("pg_catalog".equals(namespace) || "public".equals(namespace) || namespace.isEmpty()) ? name
				: namespace + "." + name;
	}

}
