package dev.pgcdc.types;

import java.nio.charset.StandardCharsets;

/**
 * Turns the text form of a value (what the type's output function prints, as {@code pgoutput}
 * sends it in text mode) into a Java value. Implementations are stateless and thread-safe.
 */
@FunctionalInterface
interface TextDecoder {

	/**
	 * Decode a value from its text.
	 * @param text the text form, never {@code null}
	 * @return the Java value
	 */
	Object decode(String text);

	/**
	 * Decode a value from its UTF-8 bytes. Decoders that can parse bytes in place (integers)
	 * override this to skip the intermediate {@link String}.
	 * @param data the bytes holding the value
	 * @param offset where the value starts
	 * @param length the value's length in bytes
	 * @return the Java value
	 */
	default Object decode(byte[] data, int offset, int length) {
		return decode(new String(data, offset, length, StandardCharsets.UTF_8));
	}

}
