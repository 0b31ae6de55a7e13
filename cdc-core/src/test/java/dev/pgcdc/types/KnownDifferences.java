package dev.pgcdc.types;

import java.util.List;

/**
 * Where our values differ from pgjdbc's {@code getObject} on purpose, each with its reason.
 * The fidelity tests fail when this list and reality drift apart.
 */
final class KnownDifferences {

	static final List<String> TEXT_AND_BINARY = List.of();

	private KnownDifferences() {
	}

}
