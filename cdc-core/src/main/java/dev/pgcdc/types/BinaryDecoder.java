package dev.pgcdc.types;

/**
 * Turns the binary form of a value (what the type's {@code send} function writes, as
 * {@code pgoutput} sends it with {@code binary 'true'}) into a Java value. Implementations are
 * stateless and thread-safe.
 */
@FunctionalInterface
interface BinaryDecoder {

	/**
	 * Decode a value from its binary form.
	 * @param data the bytes holding the value
	 * @param offset where the value starts
	 * @param length the value's length in bytes
	 * @return the Java value
	 */
	Object decode(byte[] data, int offset, int length);

}
