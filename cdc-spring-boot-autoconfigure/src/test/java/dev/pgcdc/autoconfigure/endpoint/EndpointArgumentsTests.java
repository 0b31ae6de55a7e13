package dev.pgcdc.autoconfigure.endpoint;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class EndpointArgumentsTests {

	@Test
	void booleansAndTheirExactTextAreRead() {
		assertThat(EndpointArguments.requireBoolean("enabled", Boolean.TRUE)).isTrue();
		assertThat(EndpointArguments.requireBoolean("enabled", Boolean.FALSE)).isFalse();
		assertThat(EndpointArguments.requireBoolean("enabled", "true")).isTrue();
		assertThat(EndpointArguments.requireBoolean("enabled", "false")).isFalse();
	}

	@Test
	void anythingElseIsRejectedNamingTheFieldAndTheAcceptedValues() {
		for (Object value : List.of("no", "off", "0", " false ", "TRUE", "", 0, 1L, List.of(true), Map.of())) {
			assertThatExceptionOfType(InvalidEndpointRequestException.class).as("%s", value)
				.isThrownBy(() -> EndpointArguments.requireBoolean("snapshot", value))
				.withMessageStartingWith("'snapshot' must be a JSON boolean, true or false, but was ")
				.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo("Invalid 'snapshot'"));
		}
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> EndpointArguments.requireBoolean("enabled", null))
			.withMessage("'enabled' must be a JSON boolean, true or false, but is missing");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> EndpointArguments.requireBoolean("enabled", " false "))
			.withMessageEndingWith("but was \" false \"");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> EndpointArguments.requireBoolean("enabled", "x".repeat(100)))
			.withMessageEndingWith("x".repeat(32) + "...\"");
	}

}
