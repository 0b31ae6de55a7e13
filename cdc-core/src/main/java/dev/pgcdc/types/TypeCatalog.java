package dev.pgcdc.types;

import java.util.Optional;

/**
 * Looks up types the built-in table does not know (extensions, enums, domains, user arrays).
 * The {@link TypeRegistry} asks once per OID and caches the answer (after a failure it asks
 * again later), so implementations may do I/O; they run on the thread that decodes, so they
 * should give up within seconds rather than wait for a server that does not answer.
 */
@FunctionalInterface
public interface TypeCatalog {

	/**
	 * @param oid a type OID
	 * @return the type, or empty when no such type exists
	 * @throws RuntimeException when the catalog cannot be read: the registry decodes the type's
	 * values as text and asks again after its retry interval
	 */
	Optional<PgType> find(int oid);

}
