package dev.pgcdc.types;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Text and binary decoders for strings, {@code uuid}, {@code bytea} and {@code json}/{@code jsonb}.
 */
final class ScalarDecoders {

	/**
	 * How deep a JSON value may nest and still be a {@link JsonNode}; deeper ones fail to decode
	 * and so arrive as the server's text. The server allows more (about 16,000 levels of
	 * {@code jsonb} at its default {@code max_stack_depth}), but {@code JsonNode.equals} and
	 * {@code hashCode} recurse: at 2,000 levels they overflow a thread's default 1 MB stack
	 * (interpreted), and change events compare old and new values with {@code equals}.
	 */
	static final int MAX_JSON_DEPTH = 1_000;

	/**
	 * The longest number {@code jsonb} prints: a {@code numeric} has up to 131,072 digits before
	 * the point and 16,383 after, plus a sign and the point ({@code numeric_out} never uses an
	 * exponent).
	 */
	static final int MAX_JSON_NUMBER_LENGTH = 131_072 + 16_383 + 2;

	/** The largest value PostgreSQL stores (1 GB): no string or key in it can be longer. */
	static final int MAX_JSON_STRING_LENGTH = 1 << 30;

	/**
	 * The one mapper for JSON columns. Floats read as BigDecimal because {@code jsonb} numbers
	 * are {@code numeric}: a double would silently round them. Its limits are the server's
	 * (Jackson's defaults, 500 levels and numbers of 1,000 characters, are below them), bounded
	 * by {@link #MAX_JSON_DEPTH}.
	 */
	static final JsonMapper JSON_MAPPER = JsonMapper
		.builder(JsonFactory.builder()
			.streamReadConstraints(StreamReadConstraints.builder()
				.maxNestingDepth(MAX_JSON_DEPTH)
				.maxNumberLength(MAX_JSON_NUMBER_LENGTH)
				.maxStringLength(MAX_JSON_STRING_LENGTH)
				.maxNameLength(MAX_JSON_STRING_LENGTH)
				.build())
			.build())
		.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
		.build();

	/** Any text type to {@link String} (the value as printed). */
	static final TextDecoder STRING = (text) -> text;

	/** UTF-8 bytes to {@link String}: the binary form of every text-like type. */
	static final BinaryDecoder STRING_BINARY = (data, offset, length) -> new String(data, offset, length,
			StandardCharsets.UTF_8);

	/**
	 * {@code uuid} to {@link UUID}, read from the message bytes without a String (an array
	 * element, already a String, goes through {@link UUID#fromString}, which parses the
	 * 36-character form in place).
	 */
	static final TextDecoder UUID_TEXT = new TextDecoder() {
		@Override
		public Object decode(String text) {
			return UUID.fromString(text);
		}

		@Override
		public Object decode(byte[] data, int offset, int length) {
			return uuid(data, offset, length);
		}
	};

	/** {@code bytea} in {@code hex} ({@code \x00ff}) or {@code escape} output to {@code byte[]}. */
	static final TextDecoder BYTEA = ScalarDecoders::bytea;

	/** {@code json} and {@code jsonb} text to {@link JsonNode}. */
	static final TextDecoder JSON = new TextDecoder() {
		@Override
		public Object decode(String text) {
			return json(text);
		}

		@Override
		public Object decode(byte[] data, int offset, int length) {
			try {
				return JSON_MAPPER.readTree(data, offset, length);
			}
			catch (JacksonException ex) {
				throw invalidJson(ex);
			}
		}
	};

	/** {@code json} binary (its text, UTF-8) to {@link JsonNode}. */
	static final BinaryDecoder JSON_BINARY = JSON::decode;

	/** {@code jsonb} binary (a version byte {@code 1}, then the text) to {@link JsonNode}. */
	static final BinaryDecoder JSONB_BINARY = (data, offset, length) -> {
		if (length < 1 || data[offset] != 1) {
			throw new InvalidValueException("Unsupported jsonb binary version " + ((length < 1) ? -1 : data[offset]));
		}
		return JSON.decode(data, offset + 1, length - 1);
	};

	/**
	 * {@code bit}: a single bit ({@code bit(1)}, what {@code bit} alone declares) is a
	 * {@link Boolean}, as pgjdbc returns it; longer bit strings stay text ({@code "0101"}).
	 */
	static final TextDecoder BIT = (text) -> (text.length() == 1) ? (Boolean) (text.charAt(0) == '1') : text;

	/** {@code bit_send}: the bit count (32 bits), then the bits, high bit first. */
	static final BinaryDecoder BIT_BINARY = (data, offset, length) -> BIT.decode(bits(data, offset, length));

	/** {@code varbit} binary as its text of {@code 0} and {@code 1}. */
	static final BinaryDecoder VARBIT_BINARY = ScalarDecoders::bits;

	private ScalarDecoders() {
	}

	private static String bits(byte[] data, int offset, int length) {
		if (length < 4) {
			throw new InvalidValueException("Binary bit string must be at least 4 bytes but is " + length);
		}
		int count = BinaryDecoders.int32(data, offset);
		if (count < 0 || length != 4 + (count + 7L) / 8) {
			throw new InvalidValueException("Binary bit string of " + count + " bits has " + length + " bytes");
		}
		char[] bits = new char[count];
		for (int i = 0; i < count; i++) {
			bits[i] = ((data[offset + 4 + i / 8] & (0x80 >>> (i % 8))) != 0) ? '1' : '0';
		}
		return new String(bits);
	}

	static JsonNode json(String text) {
		try {
			return JSON_MAPPER.readTree(text);
		}
		catch (JacksonException ex) {
			throw invalidJson(ex);
		}
	}

	/** Jackson's messages quote the offending token: say where, and what limit, not what. */
	private static InvalidValueException invalidJson(JacksonException ex) {
		String problem = (ex instanceof StreamConstraintsException) ? ex.getOriginalMessage()
				: ex.getClass().getSimpleName();
		TokenStreamLocation location = ex.getLocation();
		String where = (location != null) ? " at line " + location.getLineNr() + ", column " + location.getColumnNr() : "";
		InvalidValueException invalid = new InvalidValueException("Invalid JSON value" + where + " (" + problem + ")");
		invalid.initCause(InvalidValueException.withheld(ex));
		return invalid;
	}

	private static final int[] UUID_DASHES = { 8, 13, 18, 23 };

	/** {@code uuid_out} prints {@code 8-4-4-4-12} hex digits; other forms go through {@link UUID#fromString}. */
	private static UUID uuid(byte[] data, int offset, int length) {
		if (length != 36) {
			return UUID.fromString(new String(data, offset, length, StandardCharsets.UTF_8));
		}
		for (int dash : UUID_DASHES) {
			if (data[offset + dash] != '-') {
				throw new InvalidValueException("Invalid uuid text ('-' expected at position " + dash + ")");
			}
		}
		long most = (hex(data, offset, 0, 8) << 32) | (hex(data, offset, 9, 13) << 16) | hex(data, offset, 14, 18);
		long least = (hex(data, offset, 19, 23) << 48) | hex(data, offset, 24, 36);
		return new UUID(most, least);
	}

	private static long hex(byte[] data, int offset, int from, int to) {
		long value = 0;
		for (int i = from; i < to; i++) {
			int digit = Character.digit(data[offset + i], 16);
			if (digit < 0) {
				throw new InvalidValueException("Invalid uuid text (not a hex digit at position " + i + ")");
			}
			value = (value << 4) | digit;
		}
		return value;
	}

	static byte[] bytea(String text) {
		if (text.startsWith("\\x")) {
			int length = (text.length() - 2) / 2;
			byte[] bytes = new byte[length];
			for (int i = 0; i < length; i++) {
				int high = Character.digit(text.charAt(2 + 2 * i), 16);
				int low = Character.digit(text.charAt(3 + 2 * i), 16);
				if (high < 0 || low < 0) {
					throw new InvalidValueException("Invalid bytea hex text at position " + (2 + 2 * i));
				}
				bytes[i] = (byte) ((high << 4) | low);
			}
			return bytes;
		}
		return byteaEscape(text);
	}

	/** {@code bytea_output = escape}: printable ASCII as is, {@code \\} and {@code \ooo} octal. */
	private static byte[] byteaEscape(String text) {
		byte[] bytes = new byte[text.length()];
		int length = 0;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c != '\\') {
				bytes[length++] = (byte) c;
			}
			else if (i + 1 < text.length() && text.charAt(i + 1) == '\\') {
				bytes[length++] = '\\';
				i++;
			}
			else if (i + 3 < text.length()) {
				bytes[length++] = (byte) Integer.parseInt(text, i + 1, i + 4, 8);
				i += 3;
			}
			else {
				throw new InvalidValueException("Invalid bytea escape text at position " + i);
			}
		}
		return java.util.Arrays.copyOf(bytes, length);
	}

}
