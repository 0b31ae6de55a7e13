package dev.pgcdc.types;

/**
 * Text decoder for arrays: {@link TextArrayParser} with the element type's decoder and
 * delimiter.
 */
final class ArrayDecoder implements TextDecoder {

	private final TextDecoder element;

	private final char delimiter;

	/**
	 * @param element the element type's text decoder
	 * @param delimiter the element type's delimiter ({@code typdelim})
	 */
	ArrayDecoder(TextDecoder element, char delimiter) {
		this.element = element;
		this.delimiter = delimiter;
	}

	@Override
	public Object decode(String text) {
		return TextArrayParser.parse(text, this.delimiter, this.element);
	}

}
