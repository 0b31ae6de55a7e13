package dev.pgcdc.stream;

import org.jspecify.annotations.Nullable;

/**
 * A problem with the configuration or the server that retrying cannot fix. The message says
 * what is wrong and what to do about it.
 */
public class CdcConfigurationException extends RuntimeException {

	/**
	 * @param message what is wrong and how to fix it
	 */
	public CdcConfigurationException(String message) {
		super(message);
	}

	/**
	 * @param message what is wrong and how to fix it
	 * @param cause the underlying error
	 */
	public CdcConfigurationException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
