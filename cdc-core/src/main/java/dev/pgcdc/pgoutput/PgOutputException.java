package dev.pgcdc.pgoutput;

/**
 * Thrown when bytes from the server are not a valid {@code pgoutput} message: an unknown
 * message type, a message cut short, or a field with an impossible value. The message names
 * the message type and the LSN so the offending WAL position can be inspected.
 */
public class PgOutputException extends RuntimeException {

	/**
	 * Create an exception.
	 * @param message what is wrong, with the message type and LSN
	 */
	public PgOutputException(String message) {
		super(message);
	}

	/**
	 * Create an exception with a cause.
	 * @param message what is wrong, with the message type and LSN
	 * @param cause the underlying problem
	 */
	public PgOutputException(String message, Throwable cause) {
		super(message, cause);
	}

}
