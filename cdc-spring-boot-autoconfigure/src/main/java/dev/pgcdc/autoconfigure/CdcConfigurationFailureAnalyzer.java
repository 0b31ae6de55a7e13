package dev.pgcdc.autoconfigure;

import dev.pgcdc.stream.CdcConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link CdcConfigurationException} at start-up (server settings, privileges, a
 * missing table or column, a publication that does not exist...) into Boot's short failure
 * report instead of a stack trace. The exception's message already says what to change.
 */
class CdcConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<CdcConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, CdcConfigurationException cause) {
		return new FailureAnalysis("Change data capture could not start: " + cause.getMessage(),
				"Change what the description names and restart, or set cdc.enabled=false to start without change"
						+ " data capture.",
				cause);
	}

}
