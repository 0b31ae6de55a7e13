package dev.pgcdc.autoconfigure;

import dev.pgcdc.stream.CdcConfigurationException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.ApplicationContextException;

import static org.assertj.core.api.Assertions.assertThat;

class CdcConfigurationFailureAnalyzerTests {

	@Test
	void describesTheProblemAndTheWayOut() {
		CdcConfigurationException cause = new CdcConfigurationException("wal_level is replica: run ALTER SYSTEM SET"
				+ " wal_level = logical and restart the server");
		FailureAnalysis analysis = new CdcConfigurationFailureAnalyzer()
			.analyze(new ApplicationContextException("Failed to start bean 'cdcStreamLifecycle'", cause));
		assertThat(analysis.getDescription()).contains("wal_level is replica").contains("ALTER SYSTEM");
		assertThat(analysis.getAction()).contains("cdc.enabled=false");
		assertThat(analysis.getCause()).isSameAs(cause);
	}

	@Test
	void ignoresOtherFailures() {
		assertThat(new CdcConfigurationFailureAnalyzer().analyze(new IllegalStateException("other"))).isNull();
	}

}
