package dev.pgcdc.types;

/**
 * A value that is not in its type's text or binary format. Thrown by this package's decoders,
 * whose messages say where and how the value is wrong (a position, a length, a count) but never
 * quote it: row values do not belong in logs.
 */
final class InvalidValueException extends IllegalArgumentException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what is wrong, without the value
	 */
	InvalidValueException(String message) {
		super(message);
	}

	/**
	 * A stand-in for an exception of the JDK or Jackson, whose messages may quote the value
	 * ({@code For input string: "..."}): its class and stack trace, without its message.
	 * @param ex the exception
	 * @return the stand-in
	 */
	static InvalidValueException withheld(Throwable ex) {
		InvalidValueException standIn = new InvalidValueException(ex.getClass().getName() + " (its message is withheld)");
		standIn.setStackTrace(ex.getStackTrace());
		return standIn;
	}

}
