package dev.pgcdc.types;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Parses the text form of an array as {@code array_out} prints it: {@code {1,2,NULL}},
 * nested braces for more dimensions, double-quoted elements with backslash escapes, an
 * optional {@code [lower:upper]=} bounds prefix (dropped: lists are 0-based) and the element
 * type's delimiter ({@code ;} for {@code box}). Each element goes through the element type's
 * {@link TextDecoder}; unquoted {@code NULL} becomes {@code null}. Like {@code array_in}, it
 * refuses more than {@value #MAX_DIMENSIONS} dimensions, so nesting never runs deep.
 */
final class TextArrayParser {

	/** PostgreSQL's {@code MAXDIM}. */
	static final int MAX_DIMENSIONS = 6;

	private final String text;

	private final char delimiter;

	private final TextDecoder element;

	private int position;

	private TextArrayParser(String text, char delimiter, TextDecoder element) {
		this.text = text;
		this.delimiter = delimiter;
		this.element = element;
	}

	/**
	 * Parse an array.
	 * @param text the array text
	 * @param delimiter the element delimiter
	 * @param element the element decoder
	 * @return the elements, one nested list per extra dimension (unmodifiable)
	 */
	static List<@Nullable Object> parse(String text, char delimiter, TextDecoder element) {
		TextArrayParser parser = new TextArrayParser(text, delimiter, element);
		if (text.startsWith("[")) {
			int equals = text.indexOf('=');
			if (equals < 0) {
				throw parser.invalid("bounds without '='");
			}
			parser.position = equals + 1;
		}
		List<@Nullable Object> list = parser.list(1);
		parser.skipWhitespace();
		if (parser.position != text.length()) {
			throw parser.invalid("trailing text");
		}
		return list;
	}

	private List<@Nullable Object> list(int dimension) {
		skipWhitespace();
		if (peek() != '{') {
			throw invalid("'{' expected");
		}
		if (dimension > MAX_DIMENSIONS) {
			throw invalid("more than " + MAX_DIMENSIONS + " dimensions");
		}
		this.position++;
		List<@Nullable Object> list = new ArrayList<>();
		skipWhitespace();
		if (peek() == '}') {
			this.position++;
			return Collections.unmodifiableList(list);
		}
		while (true) {
			skipWhitespace();
			char c = peek();
			if (c == '{') {
				list.add(list(dimension + 1));
			}
			else if (c == '"') {
				list.add(this.element.decode(quoted()));
			}
			else {
				String token = unquoted();
				list.add(token.equalsIgnoreCase("NULL") ? null : this.element.decode(token));
			}
			skipWhitespace();
			c = peek();
			this.position++;
			if (c == '}') {
				return Collections.unmodifiableList(list);
			}
			if (c != this.delimiter) {
				this.position--;
				throw invalid("'" + this.delimiter + "' or '}' expected");
			}
		}
	}

	private String quoted() {
		StringBuilder value = new StringBuilder();
		this.position++;
		while (true) {
			if (this.position >= this.text.length()) {
				throw invalid("unterminated quoted element");
			}
			char c = this.text.charAt(this.position++);
			if (c == '"') {
				return value.toString();
			}
			if (c == '\\') {
				if (this.position >= this.text.length()) {
					throw invalid("unterminated escape");
				}
				c = this.text.charAt(this.position++);
			}
			value.append(c);
		}
	}

	private String unquoted() {
		int start = this.position;
		StringBuilder escaped = null;
		while (this.position < this.text.length()) {
			char c = this.text.charAt(this.position);
			if (c == this.delimiter || c == '}') {
				break;
			}
			if (c == '\\') {
				// array_out quotes values with backslashes, but array_in accepts this form too
				if (escaped == null) {
					escaped = new StringBuilder(this.text.substring(start, this.position));
				}
				this.position++;
				c = (this.position < this.text.length()) ? this.text.charAt(this.position) : c;
			}
			if (escaped != null) {
				escaped.append(c);
			}
			this.position++;
		}
		String token = (escaped != null) ? escaped.toString() : this.text.substring(start, this.position);
		if (token.isEmpty()) {
			throw invalid("empty element");
		}
		return token.strip();
	}

	private void skipWhitespace() {
		while (this.position < this.text.length() && Character.isWhitespace(this.text.charAt(this.position))) {
			this.position++;
		}
	}

	private char peek() {
		return (this.position < this.text.length()) ? this.text.charAt(this.position) : 0;
	}

	private InvalidValueException invalid(String problem) {
		return new InvalidValueException("Invalid array text at position " + this.position + " of "
				+ this.text.length() + " (" + problem + ")");
	}

}
