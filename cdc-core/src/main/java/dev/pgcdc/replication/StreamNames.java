package dev.pgcdc.replication;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * The names of a stream's objects on the server: the slot and publication names derived from
 * the application name when none is given, and PostgreSQL's rule for slot names. In one place so
 * that {@link ChangeStream.Builder} and the Spring Boot properties derive the same names: a
 * durable slot or a publication found under another name would be created anew.
 */
public final class StreamNames {

	/** PostgreSQL's limit for identifiers ({@code NAMEDATALEN - 1}), and so for slot and publication names. */
	public static final int MAX_LENGTH = 63;

	/** The base of the derived names when there is no application name: {@code cdc_slot}, {@code cdc_publication}. */
	public static final String DEFAULT_BASE = "cdc";

	private static final String SLOT_SUFFIX = "_slot";

	private static final String PUBLICATION_SUFFIX = "_publication";

	private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1," + MAX_LENGTH + "}");

	private StreamNames() {
	}

	/**
	 * Derive a slot name: {@code <application>_slot}, plus a per-instance suffix for a temporary
	 * slot so replicas never collide.
	 * @param applicationName the application's name; {@code null} or blank for {@value #DEFAULT_BASE}
	 * @param temporary whether the slot is temporary
	 * @return a valid slot name
	 */
	public static String defaultSlot(@Nullable String applicationName, boolean temporary) {
		// a durable slot found under another name is created anew and the old one keeps WAL for
		// ever: this derivation must not change
		String name = validSlot(base(applicationName)) + SLOT_SUFFIX;
		if (!temporary) {
			return validSlot(name);
		}
		String suffix = "_" + ProcessHandle.current().pid() + "_"
				+ Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36);
		return validSlot(truncate(name, MAX_LENGTH - suffix.length()) + suffix);
	}

	/**
	 * Derive a publication name: {@code <application>_publication}, the application name
	 * reduced as for slot names and shortened so the suffix stays.
	 * @param applicationName the application's name; {@code null} or blank for {@value #DEFAULT_BASE}
	 * @return the publication name
	 */
	public static String defaultPublication(@Nullable String applicationName) {
		return truncate(validSlot(base(applicationName)), MAX_LENGTH - PUBLICATION_SUFFIX.length())
				+ PUBLICATION_SUFFIX;
	}

	/**
	 * @param name any text
	 * @return the text made a valid slot name: lower case, each run of characters other than
	 * {@code [a-z0-9_]} replaced by {@code _}, at most 63 characters ({@value #DEFAULT_BASE} for
	 * empty text)
	 */
	public static String validSlot(String name) {
		String clean = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_");
		return truncate(clean.isEmpty() ? DEFAULT_BASE : clean, MAX_LENGTH);
	}

	/**
	 * @param name a slot name
	 * @return whether PostgreSQL accepts it as a slot name: lower-case letters, digits and
	 * underscores, 1 to 63 of them (a leading digit is allowed)
	 */
	public static boolean isValidSlot(String name) {
		return SLOT_NAME.matcher(name).matches();
	}

	private static String base(@Nullable String applicationName) {
		return (applicationName != null && !applicationName.isBlank()) ? applicationName : DEFAULT_BASE;
	}

	private static String truncate(String name, int length) {
		return (name.length() > length) ? name.substring(0, length) : name;
	}

}
