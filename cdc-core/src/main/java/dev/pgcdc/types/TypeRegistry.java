package dev.pgcdc.types;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

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
 * When the catalog fails (the server is unreachable, the query times out), the type's values
 * decode as text and the look-up is tried again on a decode after the retry interval (30 s by
 * default); meanwhile no other type is looked up either, so a catalog that hangs stalls the
 * caller at most once per interval. Each failure is logged once, at WARN, without values.
 * <p>
 * Thread-safe: types may be registered and resolved while other threads decode.
 * <p>
 * Type names ({@link #typeName(int)}) are {@code pg_type.typname}: {@code int4}, {@code text},
 * {@code _int4} for an {@code int4[]} array; types outside {@code pg_catalog} and
 * {@code public} are schema-qualified ({@code sales.mood}).
 */
public final class TypeRegistry {

	private static final Logger logger = LoggerFactory.getLogger(TypeRegistry.class);

	/** {@code bytea}: pgjdbc decodes it itself when read through JDBC. */
	public static final int BYTEA = 17;

	/** How long after a failed catalog look-up the registry tries again, unless told otherwise. */
	public static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(30);

	/** Domains over domains over arrays: anything deeper is a cycle. */
	private static final int MAX_DEPTH = 16;

	private final @Nullable TypeCatalog catalog;

	private final long retryNanos;

	private final LongSupplier clock;

	/** While the catalog fails: the {@code clock} time before which it is not asked again. */
	private volatile long catalogRetryAt = TypeDecoder.FINAL;

	private final OidMap resolved = new OidMap();

	private final Map<Integer, String> announcedNames = new ConcurrentHashMap<>();

	/** OIDs that fell back to text because the catalog was missing, failed or did not know them. */
	private final Set<Integer> provisional = ConcurrentHashMap.newKeySet();

	/** Create a registry that knows the built-in types only. */
	public TypeRegistry() {
		this(null, DEFAULT_RETRY_INTERVAL, System::nanoTime);
	}

	/**
	 * Create a registry that resolves unknown types through a catalog, trying a failed look-up
	 * again after {@link #DEFAULT_RETRY_INTERVAL}.
	 * @param catalog where to look up types that are not built in, once per OID
	 */
	public TypeRegistry(TypeCatalog catalog) {
		this(catalog, DEFAULT_RETRY_INTERVAL, System::nanoTime);
	}

	/**
	 * Create a registry that resolves unknown types through a catalog.
	 * @param catalog where to look up types that are not built in, once per OID
	 * @param retryInterval how long after a failed look-up to try again (values decode as text
	 * meanwhile)
	 */
	public TypeRegistry(TypeCatalog catalog, Duration retryInterval) {
		this(catalog, retryInterval, System::nanoTime);
	}

	TypeRegistry(@Nullable TypeCatalog catalog, Duration retryInterval, LongSupplier clock) {
		if (retryInterval.isNegative()) {
			throw new IllegalArgumentException("The retry interval must not be negative but is " + retryInterval);
		}
		this.catalog = catalog;
		this.retryNanos = retryInterval.toNanos();
		this.clock = clock;
	}

	/**
	 * Remember a type the server announced (a {@code pgoutput} {@code Y} message). A type that
	 * fell back to text, or whose name changed, is resolved again on its next use.
	 * @param typeOid the type OID
	 * @param namespace the schema the type lives in
	 * @param name the type name
	 */
	public void register(int typeOid, String namespace, String name) {
		String displayName = PgType.displayName(namespace, name);
		this.announcedNames.put(typeOid, displayName);
		TypeDecoder cached = this.resolved.get(typeOid);
		if (this.provisional.contains(typeOid) || (cached != null && !cached.name().equals(displayName))) {
			this.provisional.remove(typeOid);
			this.resolved.remove(typeOid);
			// the server just described the type: worth asking a failing catalog about it now
			this.catalogRetryAt = TypeDecoder.FINAL;
		}
	}

	/**
	 * A column value read through JDBC (a snapshot chunk, a live query's catch-up query) decoded
	 * as the stream decodes the same value from the WAL, so that a row read equals the row
	 * streamed: {@code bytea} as pgjdbc hands it over (already decoded, in either format), a text
	 * value this registry cannot parse as its type delivered as text (logged at DEBUG with the
	 * column, never the value).
	 * @param typeOid the column's type OID
	 * @param raw the bytes pgjdbc returned for it
	 * @param binary whether they are in the type's binary format
	 * @param column the column's name, for the log
	 * @param table its table, for the log
	 * @return the Java value
	 * @throws IllegalArgumentException for a binary value that does not decode (see {@link #decode})
	 */
	public Object decodeRead(int typeOid, byte[] raw, boolean binary, String column, Object table) {
		if (typeOid == BYTEA) {
			return raw;
		}
		if (binary) {
			return decode(typeOid, raw, 0, raw.length, true);
		}
		try {
			return decode(typeOid, raw, 0, raw.length, false);
		}
		catch (RuntimeException ex) {
			logger.debug("Cannot decode column {} of {} (type oid {}); delivering it as text", column, table,
					Integer.toUnsignedString(typeOid), ex);
			return new String(raw, StandardCharsets.UTF_8);
		}
	}

	/**
	 * Decode one value, read in place from {@code data} (nothing is copied or kept). A NULL
	 * value, or one the server did not send (an unchanged TOAST value), is the caller's to
	 * handle: there are no bytes to decode.
	 * @param typeOid the value's type OID
	 * @param data the bytes holding the value
	 * @param offset where the value starts
	 * @param length the value's length in bytes
	 * @param binary whether the value is in the type's binary ({@code send}) format rather
	 * than its text ({@code output}) format
	 * @return the Java value
	 * @throws IllegalArgumentException for a binary value of a type without a binary decoder,
	 * or a value that does not parse as its type (malformed or nested too deeply): the message
	 * names the type and its OID and never quotes the value
	 */
	public Object decode(int typeOid, byte[] data, int offset, int length, boolean binary) {
		TypeDecoder type = decoder(typeOid);
		if (!binary) {
			try {
				return type.text().decode(data, offset, length);
			}
			catch (RuntimeException | StackOverflowError ex) {
				throw invalid(type, typeOid, "text", ex);
			}
		}
		BinaryDecoder decoder = type.binary();
		if (decoder == null) {
			throw new IllegalArgumentException("Type " + type.name() + " (OID " + Integer.toUnsignedLong(typeOid)
					+ ") has no binary decoder: the stream must not use binary mode for it");
		}
		try {
			return decoder.decode(data, offset, length);
		}
		catch (RuntimeException | StackOverflowError ex) {
			throw invalid(type, typeOid, "binary", ex);
		}
	}

	private static IllegalArgumentException invalid(TypeDecoder type, int typeOid, String format, Throwable ex) {
		// the decoders' own messages never quote the value; the JDK's and Jackson's may
		InvalidValueException cause;
		if (ex instanceof InvalidValueException invalid) {
			cause = invalid;
		}
		else if (ex instanceof StackOverflowError) {
			// the decoders bound their nesting, so this is a last line of defence: an Error must not end the stream
			cause = new InvalidValueException("nested too deeply to decode");
		}
		else {
			cause = InvalidValueException.withheld(ex);
		}
		return new IllegalArgumentException("Cannot decode a " + format + " value of type " + type.name() + " (OID "
				+ Integer.toUnsignedLong(typeOid) + "): " + cause.getMessage(), cause);
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
		return resolve(typeOid, 0);
	}

	private TypeDecoder resolve(int typeOid, int depth) {
		TypeDecoder type = BuiltinTypes.find(typeOid);
		if (type != null) {
			return type;
		}
		type = this.resolved.get(typeOid);
		if (type != null && !type.retryDue(this.clock)) {
			return type;
		}
		return this.resolved.replace(typeOid, type, lookUp(typeOid, depth));
	}

	private TypeDecoder lookUp(int typeOid, int depth) {
		String announced = this.announcedNames.get(typeOid);
		String fallbackName = (announced != null) ? announced : "oid:" + Integer.toUnsignedLong(typeOid);
		if (this.catalog == null || depth > MAX_DEPTH) {
			return provisional(typeOid, TypeDecoder.text(fallbackName));
		}
		long retryAt = this.catalogRetryAt;
		if (retryAt != TypeDecoder.FINAL && this.clock.getAsLong() - retryAt < 0) {
			// the catalog failed a moment ago: do not stall the caller on it again before the retry time
			logger.debug("Type {} not looked up while the catalog is failing; its values decode as text", fallbackName);
			return provisional(typeOid, TypeDecoder.textUntil(fallbackName, retryAt));
		}
		Optional<PgType> found;
		try {
			found = this.catalog.find(typeOid);
		}
		catch (RuntimeException ex) {
			retryAt = this.clock.getAsLong() + this.retryNanos;
			// FINAL is a possible clock value too; one nanosecond later does as well
			retryAt = (retryAt == TypeDecoder.FINAL) ? retryAt + 1 : retryAt;
			this.catalogRetryAt = retryAt;
			logger.warn("Cannot look up type {}; its values decode as text, looking it up again in {} s: {}",
					fallbackName, Duration.ofNanos(this.retryNanos).toSeconds(), ex.getMessage());
			logger.debug("Type look-up failure", ex);
			return provisional(typeOid, TypeDecoder.textUntil(fallbackName, retryAt));
		}
		this.catalogRetryAt = TypeDecoder.FINAL;
		if (found.isEmpty()) {
			logger.debug("Type {} not in the catalog; its values decode as text", fallbackName);
			return provisional(typeOid, TypeDecoder.text(fallbackName));
		}
		this.provisional.remove(typeOid);
		PgType pgType = found.get();
		TypeDecoder type = decoderFor(pgType, depth);
		logger.debug("Resolved type {} (OID {}, kind '{}') to {} decoding", type.name(),
				Integer.toUnsignedLong(typeOid), pgType.kind(), (type.binary() != null) ? "text and binary" : "text");
		return type;
	}

	private TypeDecoder provisional(int typeOid, TypeDecoder standIn) {
		this.provisional.add(typeOid);
		return standIn;
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
