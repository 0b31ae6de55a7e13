package dev.pgcdc.types;

import dev.pgcdc.pgoutput.PgOutputMessage;
import dev.pgcdc.pgoutput.TupleData;
import org.jspecify.annotations.Nullable;

/**
 * Turns column values from the WAL into Java values by type OID.
 * <p>
 * STUB: the public surface other packages code against. The types work fills it in.
 */
public final class TypeRegistry {

	/** Create a registry that knows the built-in types only. */
	public TypeRegistry() {
	}

	/**
	 * Remember a type named by a {@code Y} message.
	 * @param type the message
	 */
	public void register(PgOutputMessage.Type type) {
	}

	/**
	 * Decode one column of a tuple. Must not be called for NULL or unchanged-TOAST columns.
	 * @param typeOid the column's type OID
	 * @param typeModifier the column's type modifier
	 * @param tuple the tuple
	 * @param column the column index
	 * @return the Java value
	 */
	public @Nullable Object decode(int typeOid, int typeModifier, TupleData tuple, int column) {
		return tuple.text(column);
	}

	/**
	 * @param typeOid a type OID
	 * @return the PostgreSQL type name ({@code int4}, {@code _text}, an enum's name, ...)
	 */
	public String typeName(int typeOid) {
		return "oid:" + typeOid;
	}

}
