package dev.pgcdc.types;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Decoders for the {@code hstore} extension type: a {@code Map<String, String>} (values may be
 * null) in the server's order, as pgjdbc's {@code getObject} returns it. {@code hstore} has no
 * fixed OID, so the registry picks these by type name once the catalog has resolved it.
 */
final class HstoreDecoders {

	/** {@code hstore_out}: {@code "key"=>"value", "other"=>NULL}. */
	static final TextDecoder TEXT = HstoreDecoders::parse;

	/**
	 * {@code hstore_send}: a pair count, then per pair a key and a value as length + UTF-8
	 * ({@code -1} for NULL). Every count and length is checked against the bytes of the value.
	 */
	static final BinaryDecoder BINARY = HstoreDecoders::read;

	private HstoreDecoders() {
	}

	static Map<String, @Nullable String> parse(String text) {
		Map<String, @Nullable String> map = new LinkedHashMap<>();
		int[] position = { 0 };
		skipWhitespace(text, position);
		while (position[0] < text.length()) {
			String key = token(text, position);
			if (key == null) {
				throw invalid(text, position[0], "a key cannot be NULL");
			}
			skipWhitespace(text, position);
			if (!text.startsWith("=>", position[0])) {
				throw invalid(text, position[0], "'=>' expected");
			}
			position[0] += 2;
			skipWhitespace(text, position);
			map.put(key, token(text, position));
			skipWhitespace(text, position);
			if (position[0] < text.length()) {
				if (text.charAt(position[0]) != ',') {
					throw invalid(text, position[0], "',' expected");
				}
				position[0]++;
				skipWhitespace(text, position);
			}
		}
		return Collections.unmodifiableMap(map);
	}

	private static @Nullable String token(String text, int[] position) {
		int i = position[0];
		if (i < text.length() && text.charAt(i) == '"') {
			StringBuilder value = new StringBuilder();
			i++;
			while (i < text.length() && text.charAt(i) != '"') {
				char c = text.charAt(i++);
				if (c == '\\' && i < text.length()) {
					c = text.charAt(i++);
				}
				value.append(c);
			}
			if (i >= text.length()) {
				throw invalid(text, i, "unterminated quoted string");
			}
			position[0] = i + 1;
			return value.toString();
		}
		int start = i;
		while (i < text.length() && !Character.isWhitespace(text.charAt(i)) && text.charAt(i) != ','
				&& !text.startsWith("=>", i)) {
			i++;
		}
		position[0] = i;
		String token = text.substring(start, i);
		if (token.isEmpty()) {
			throw invalid(text, i, "a key or value expected");
		}
		return token.equalsIgnoreCase("NULL") ? null : token;
	}

	private static void skipWhitespace(String text, int[] position) {
		while (position[0] < text.length() && Character.isWhitespace(text.charAt(position[0]))) {
			position[0]++;
		}
	}

	private static InvalidValueException invalid(String text, int position, String problem) {
		return new InvalidValueException("Invalid hstore text at position " + position + " (" + problem + ")");
	}

	private static Map<String, @Nullable String> read(byte[] data, int offset, int length) {
		if (length < 4) {
			throw new InvalidValueException("Binary hstore value must be at least 4 bytes but is " + length);
		}
		int end = offset + length;
		int count = BinaryDecoders.int32(data, offset);
		// each pair takes at least its two lengths
		if (count < 0 || count > (length - 4) / 8) {
			throw new InvalidValueException("Binary hstore value of " + length + " bytes cannot hold " + count + " pairs");
		}
		int position = offset + 4;
		Map<String, @Nullable String> map = new LinkedHashMap<>();
		for (int i = 0; i < count; i++) {
			int keyLength = length(data, position, end);
			position += 4;
			if (keyLength < 0 || keyLength > end - position) {
				throw new InvalidValueException("Binary hstore key length " + keyLength + " is out of bounds");
			}
			String key = new String(data, position, keyLength, StandardCharsets.UTF_8);
			position += keyLength;
			int valueLength = length(data, position, end);
			position += 4;
			if (valueLength < -1 || valueLength > end - position) {
				throw new InvalidValueException("Binary hstore value length " + valueLength + " is out of bounds");
			}
			map.put(key, (valueLength < 0) ? null : new String(data, position, valueLength, StandardCharsets.UTF_8));
			position += Math.max(valueLength, 0);
		}
		if (position != end) {
			throw new InvalidValueException("Binary hstore value has " + (end - position) + " bytes after its last pair");
		}
		return Collections.unmodifiableMap(map);
	}

	private static int length(byte[] data, int position, int end) {
		if (end - position < 4) {
			throw new InvalidValueException("Binary hstore value ends inside a length");
		}
		return BinaryDecoders.int32(data, position);
	}

}
