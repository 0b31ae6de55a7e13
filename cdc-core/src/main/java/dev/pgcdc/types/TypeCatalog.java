package dev.pgcdc.types;

import java.util.Optional;

/**
 * Looks up types the built-in table does not know (extensions, enums, domains, user arrays).
 * The {@link TypeRegistry} asks once per OID and caches the answer, so implementations may do
 * I/O.
 */
@FunctionalInterface
public interface TypeCatalog {

	/**
	 * @param oid a type OID
	 * @return the type, or empty when no such type exists
	 */
	Optional<PgType> find(int oid);

}
