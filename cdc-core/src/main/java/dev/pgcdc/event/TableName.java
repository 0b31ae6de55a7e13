package dev.pgcdc.event;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A schema-qualified table name as users write it ({@code users}, {@code sales.orders},
 * {@code "Mixed Case"."Table"}), with PostgreSQL's folding rules: unquoted parts fold to
 * lower case, quoted parts keep their case, the schema defaults to {@code public}.
 *
 * @param schema the schema, as stored in the catalog
 * @param name the table name, as stored in the catalog
 */
public record TableName(String schema, String name) implements Comparable<TableName> {

	private static final Pattern UNQUOTED = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

	/** The schema used when none is given. */
	public static final String DEFAULT_SCHEMA = "public";

	public TableName {
		if (schema.isEmpty() || name.isEmpty()) {
			throw new IllegalArgumentException("Table name parts must not be empty");
		}
	}

	/**
	 * Parse a table name as written in SQL.
	 * @param text the name, optionally schema-qualified and quoted
	 * @return the name
	 * @throws IllegalArgumentException if the text is not a valid (optionally qualified) identifier
	 */
	public static TableName parse(String text) {
		String trimmed = text.strip();
		int[] position = { 0 };
		String first = readIdentifier(trimmed, position, text);
		if (position[0] == trimmed.length()) {
			return new TableName(DEFAULT_SCHEMA, first);
		}
		if (trimmed.charAt(position[0]) != '.') {
			throw invalid(text);
		}
		position[0]++;
		String second = readIdentifier(trimmed, position, text);
		if (position[0] != trimmed.length()) {
			throw invalid(text);
		}
		return new TableName(first, second);
	}

	private static String readIdentifier(String text, int[] position, String original) {
		int start = position[0];
		if (start >= text.length()) {
			throw invalid(original);
		}
		if (text.charAt(start) == '"') {
			StringBuilder identifier = new StringBuilder();
			int i = start + 1;
			while (i < text.length()) {
				char c = text.charAt(i);
				if (c == '"') {
					if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
						identifier.append('"');
						i += 2;
						continue;
					}
					position[0] = i + 1;
					if (identifier.isEmpty() || identifier.indexOf("\0") >= 0) {
						throw invalid(original);
					}
					return identifier.toString();
				}
				identifier.append(c);
				i++;
			}
			throw invalid(original);
		}
		int end = start;
		while (end < text.length() && text.charAt(end) != '.') {
			end++;
		}
		String identifier = text.substring(start, end);
		if (!UNQUOTED.matcher(identifier).matches()) {
			throw invalid(original);
		}
		position[0] = end;
		return identifier.toLowerCase(Locale.ROOT);
	}

	private static IllegalArgumentException invalid(String text) {
		return new IllegalArgumentException("'" + text + "' is not a valid table name: use name, schema.name, or"
				+ " double-quote parts with other characters, as in \"My Table\"");
	}

	/**
	 * Quote an identifier for SQL, doubling embedded quotes.
	 * @param identifier the identifier
	 * @return the quoted identifier
	 */
	public static String quote(String identifier) {
		return '"' + identifier.replace("\"", "\"\"") + '"';
	}

	/** @return the name quoted for SQL, {@code "schema"."name"} */
	public String quoted() {
		return quote(this.schema) + "." + quote(this.name);
	}

	/** @return {@code schema.name}, without quotes */
	@Override
	public String toString() {
		return this.schema + "." + this.name;
	}

	@Override
	public int compareTo(TableName other) {
		int bySchema = this.schema.compareTo(other.schema);
		return (bySchema != 0) ? bySchema : this.name.compareTo(other.name);
	}

}
