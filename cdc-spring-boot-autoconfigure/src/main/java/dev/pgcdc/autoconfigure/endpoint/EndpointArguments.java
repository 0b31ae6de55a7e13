package dev.pgcdc.autoconfigure.endpoint;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;

/**
 * Strict reading of the fields of a write operation's JSON body. Actuator converts a field to
 * the parameter's type with the conversion service, which reads {@code "no"}, {@code "off"},
 * {@code 0} and {@code " false "} as {@code false}; a write operation takes the parameter as
 * {@code Object} instead and reads it here, so anything else is a 400 naming the field and the
 * accepted values.
 * <p>
 * Actuator's Spring MVC adapter binds the body to a {@code Map<String, String>} before the
 * operation sees it, so the JSON {@code true} arrives as the text {@code "true"}, exactly as
 * the JSON string {@code "true"} would: those two texts are accepted as well, nothing else.
 */
final class EndpointArguments {

	private static final int SHOWN_LENGTH = 32;

	private EndpointArguments() {
	}

	/**
	 * Read a field that must be a JSON boolean.
	 * @param field the field's name, for the message
	 * @param value the field's value as Actuator passed it
	 * @return the boolean
	 * @throws InvalidEndpointRequestException (400) unless the value is {@code true} or
	 * {@code false}, as a boolean or as exactly that text
	 */
	static boolean requireBoolean(String field, @Nullable Object value) {
		if (value instanceof Boolean bool) {
			return bool;
		}
		if ("true".equals(value)) {
			return true;
		}
		if ("false".equals(value)) {
			return false;
		}
		throw new InvalidEndpointRequestException("'" + field + "' must be a JSON boolean, true or false, but "
				+ shown(value), "Invalid '" + field + "'");
	}

	// the client's own input, shortened: the message goes back to the client that sent it
	private static String shown(@Nullable Object value) {
		if (value == null) {
			return "is missing";
		}
		String text = String.valueOf(value);
		if (text.length() > SHOWN_LENGTH) {
			text = text.substring(0, SHOWN_LENGTH) + "...";
		}
		return "was " + ((value instanceof CharSequence) ? "\"" + text + "\"" : text);
	}

}
