package dev.pgcdc.types;

import org.jspecify.annotations.Nullable;

/**
 * How to decode one type: its display name, its text decoder, its binary decoder ({@code null}
 * when the type has none) and the delimiter it uses as an array element.
 * @param name the name reported by {@link TypeRegistry#typeName(int)}
 * @param text the text decoder
 * @param binary the binary decoder, or {@code null}
 * @param delimiter the array element delimiter
 */
record TypeDecoder(String name, TextDecoder text, @Nullable BinaryDecoder binary, char delimiter) {

	/** @return a decoder of the same type under another name (a domain over this type) */
	TypeDecoder named(String otherName) {
		return new TypeDecoder(otherName, this.text, this.binary, this.delimiter);
	}

	/** @return the decoder of an array of this type, named {@code arrayName} */
	TypeDecoder array(String arrayName) {
		BinaryDecoder elementBinary = this.binary;
		return new TypeDecoder(arrayName, new ArrayDecoder(this.text, this.delimiter),
				(elementBinary != null) ? new BinaryArrayDecoder(elementBinary) : null, ',');
	}

	/** @return a type decoded as its text, with no binary decoder */
	static TypeDecoder text(String name) {
		return new TypeDecoder(name, ScalarDecoders.STRING, null, ',');
	}

}
