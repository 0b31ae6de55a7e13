/**
 * Value decoders by type OID, text and binary, and the registry that resolves unknown types.
 */
@NullMarked
package dev.pgcdc.types;

import org.jspecify.annotations.NullMarked;
