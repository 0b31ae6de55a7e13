package dev.pgcdc.types;

import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * How to decode one type: its display name, its text decoder, its binary decoder ({@code null}
 * when the type has none), the delimiter it uses as an array element, and, for a stand-in used
 * while the catalog could not be read, when to look the type up again.
 * @param name the name reported by {@link TypeRegistry#typeName(int)}
 * @param text the text decoder
 * @param binary the binary decoder, or {@code null}
 * @param delimiter the array element delimiter
 * @param retryAt the {@link System#nanoTime()} from which the registry looks the type up again,
 * or {@link #FINAL}
 */
record TypeDecoder(String name, TextDecoder text, @Nullable BinaryDecoder binary, char delimiter, long retryAt) {

	/** The {@link #retryAt} of a decoder that stays: there is nothing to look up again. */
	static final long FINAL = Long.MIN_VALUE;

	/**
	 * A decoder that stays.
	 * @param name the name reported by {@link TypeRegistry#typeName(int)}
	 * @param text the text decoder
	 * @param binary the binary decoder, or {@code null}
	 * @param delimiter the array element delimiter
	 */
	TypeDecoder(String name, TextDecoder text, @Nullable BinaryDecoder binary, char delimiter) {
		this(name, text, binary, delimiter, FINAL);
	}

	/** @return a decoder of the same type under another name (a domain over this type) */
	TypeDecoder named(String otherName) {
		return new TypeDecoder(otherName, this.text, this.binary, this.delimiter, this.retryAt);
	}

	/** @return the decoder of an array of this type, named {@code arrayName} */
	TypeDecoder array(String arrayName) {
		BinaryDecoder elementBinary = this.binary;
		return new TypeDecoder(arrayName, new ArrayDecoder(this.text, this.delimiter),
				(elementBinary != null) ? new BinaryArrayDecoder(elementBinary) : null, ',', this.retryAt);
	}

	/**
	 * @param clock gives the current {@link System#nanoTime()}; asked only for a stand-in
	 * @return whether this is a stand-in whose type should be looked up again
	 */
	boolean retryDue(LongSupplier clock) {
		return this.retryAt != FINAL && clock.getAsLong() - this.retryAt >= 0;
	}

	/** @return a type decoded as its text, with no binary decoder */
	static TypeDecoder text(String name) {
		return new TypeDecoder(name, ScalarDecoders.STRING, null, ',');
	}

	/**
	 * @param name the type's name
	 * @param retryAt when to look the type up again
	 * @return a stand-in that decodes the type as its text until {@code retryAt}
	 */
	static TypeDecoder textUntil(String name, long retryAt) {
		return new TypeDecoder(name, ScalarDecoders.STRING, null, ',', retryAt);
	}

}
