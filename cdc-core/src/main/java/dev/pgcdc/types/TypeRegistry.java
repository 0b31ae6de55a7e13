package dev.pgcdc.types;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgcdc.pgoutput.PgOutputMessage;
import dev.pgcdc.pgoutput.TupleData;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns column values from the WAL into Java values by type OID.
 * <p>
 * Built-in types come from a fixed table indexed by OID. Other OIDs (enums, domains, extension
 * types, arrays of those) are resolved once through the {@link TypeCatalog}, if one is given,
 * and cached; without a catalog, or when it does not know the type, values decode as their
 * text. Decoding a value is a table look-up plus the decoder: no I/O, no locks. The first use
 * of a type that is not built in costs one catalog query, on the calling thread.
 * <p>
 * Thread-safe: types may be registered and resolved while other threads decode.
 * <p>
 * Type names ({@link #typeName(int)}) are {@code pg_type.typname}: {@code int4}, {@code text},
 * {@code _int4} for an {@code int4[]} array; types outside {@code pg_catalog} and
 * {@code public} are schema-qualified ({@code sales.mood}).
 */
public final class TypeRegistry {

	private static final Logger logger = LoggerFactory.getLogger(TypeRegistry.class);

	/** Domains over domains over arrays: anything deeper is a cycle. */
	private static final int MAX_DEPTH = 16;

	private final @Nullable TypeCatalog catalog;

	private final OidMap resolved = new OidMap();

	private final Map<Integer, String> announcedNames = new ConcurrentHashMap<>();

	/** OIDs that fell back to text because the catalog was missing, failed or did not know them. */
	private final Set<Integer> provisional = ConcurrentHashMap.newKeySet();

	/** Create a registry that knows the built-in types only. */
	public TypeRegistry() {
		this.catalog = null;
	}

	/**
	 * Create a registry that resolves unknown types through a catalog.
	 * @param catalog where to look up types that are not built in, once per OID
	 */
	public TypeRegistry(TypeCatalog catalog) {
		this.catalog = catalog;
	}

	/**
	 * Remember a type named by a {@code Y} message. A type that fell back to text, or whose
	 * name changed, is resolved again on its next use.
	 * @param type the message
	 */
	public void register(PgOutputMessage.Type type) {
		int oid = type.typeOid();
		String name = PgType.displayName(type.namespace(), type.name());
		this.announcedNames.put(oid, name);
		TypeDecoder cached = this.resolved.get(oid);
		if (this.provisional.contains(oid) || (cached != null && !cached.name().equals(name))) {
			this.provisional.remove(oid);
			this.resolved.remove(oid);
		}
	}

	/**
	 * Decode one column of a tuple. Must not be called for unchanged-TOAST columns; a NULL
	 * column gives {@code null}.
	 * @param typeOid the column's type OID
	 * @param typeModifier the column's type modifier
	 * @param tuple the tuple
	 * @param column the column index
	 * @return the Java value
	 * @throws IllegalArgumentException for a binary value of a type without a binary decoder,
	 * an unchanged TOAST column, or a value that does not parse as its type
	 */
	public @Nullable Object decode(int typeOid, int typeModifier, TupleData tuple, int column) {
		byte kind = tuple.kind(column);
		if (kind == TupleData.TEXT) {
			TypeDecoder type = decoder(typeOid);
			try {
				return type.text().decode(tuple.array(), tuple.offset(column), tuple.length(column));
			}
			catch (RuntimeException ex) {
				throw invalid(type, typeOid, "text", ex);
			}
		}
		if (kind == TupleData.BINARY) {
			TypeDecoder type = decoder(typeOid);
			BinaryDecoder binary = type.binary();
			if (binary == null) {
				throw new IllegalArgumentException("Type " + type.name() + " (OID " + Integer.toUnsignedLong(typeOid)
						+ ") has no binary decoder: the stream must not use binary mode for it");
			}
			try {
				return binary.decode(tuple.array(), tuple.offset(column), tuple.length(column));
			}
			catch (RuntimeException ex) {
				throw invalid(type, typeOid, "binary", ex);
			}
		}
		if (kind == TupleData.NULL) {
			return null;
		}
		throw new IllegalArgumentException("Column " + column + " has no value to decode (tuple kind '" + (char) kind
				+ "': an unchanged TOAST value must be taken from the old row)");
	}

	private static IllegalArgumentException invalid(TypeDecoder type, int typeOid, String format, RuntimeException ex) {
		return new IllegalArgumentException("Cannot decode a " + format + " value of type " + type.name() + " (OID "
				+ Integer.toUnsignedLong(typeOid) + "): " + ex.getMessage(), ex);
	}

	/**
	 * Whether values of a type can be decoded from binary {@code pgoutput} tuples. Binary mode
	 * is only safe when this holds for every column type in the stream.
	 * @param typeOid a type OID
	 * @return whether a binary decoder exists for it
	 */
	public boolean supportsBinary(int typeOid) {
		return decoder(typeOid).binary() != null;
	}

	/**
	 * @param typeOid a type OID
	 * @return the PostgreSQL type name ({@code int4}, {@code _text}, an enum's name, ...), or
	 * {@code oid:<n>} for a type neither built in, announced, nor found in the catalog
	 */
	public String typeName(int typeOid) {
		return decoder(typeOid).name();
	}

	private TypeDecoder decoder(int typeOid) {
		TypeDecoder type = BuiltinTypes.find(typeOid);
		if (type != null) {
			return type;
		}
		type = this.resolved.get(typeOid);
		return (type != null) ? type : resolve(typeOid, 0);
	}

	private TypeDecoder resolve(int typeOid, int depth) {
		TypeDecoder type = BuiltinTypes.find(typeOid);
		if (type == null) {
			type = this.resolved.get(typeOid);
		}
		if (type == null) {
			type = this.resolved.putIfAbsent(typeOid, lookUp(typeOid, depth));
		}
		return type;
	}

	private TypeDecoder lookUp(int typeOid, int depth) {
		String announced = this.announcedNames.get(typeOid);
		String fallbackName = (announced != null) ? announced : "oid:" + Integer.toUnsignedLong(typeOid);
		if (this.catalog == null || depth > MAX_DEPTH) {
			return provisional(typeOid, fallbackName);
		}
		Optional<PgType> found;
		try {
			found = this.catalog.find(typeOid);
		}
		catch (RuntimeException ex) {
			logger.warn("Cannot look up type {}; its values decode as text: {}", fallbackName, ex.getMessage());
			logger.debug("Type look-up failure", ex);
			return provisional(typeOid, fallbackName);
		}
		if (found.isEmpty()) {
			logger.debug("Type {} not in the catalog; its values decode as text", fallbackName);
			return provisional(typeOid, fallbackName);
		}
		PgType pgType = found.get();
		TypeDecoder type = decoderFor(pgType, depth);
		logger.debug("Resolved type {} (OID {}, kind '{}') to {} decoding", type.name(),
				Integer.toUnsignedLong(typeOid), pgType.kind(), (type.binary() != null) ? "text and binary" : "text");
		return type;
	}

	private TypeDecoder provisional(int typeOid, String name) {
		this.provisional.add(typeOid);
		return TypeDecoder.text(name);
	}

	private TypeDecoder decoderFor(PgType pgType, int depth) {
		String name = pgType.displayName();
		if (pgType.isDomain()) {
			return resolve(pgType.baseTypeOid(), depth + 1).named(name);
		}
		if (pgType.isArray()) {
			return resolve(pgType.elementOid(), depth + 1).array(name);
		}
		if ("hstore".equals(pgType.name()) && pgType.kind() == 'b') {
			return new TypeDecoder(name, HstoreDecoders.TEXT, HstoreDecoders.BINARY, pgType.delimiter());
		}
		// enums, citext and the like: text both ways; anything else has a binary form we cannot read
		BinaryDecoder binary = pgType.sendsText() ? ScalarDecoders.STRING_BINARY : null;
		return new TypeDecoder(name, ScalarDecoders.STRING, binary, pgType.delimiter());
	}

}
