package dev.pgcdc.stream;

/**
 * Runs one handler call so that a call that throws leaves none of its work behind: the jdbc
 * offsets store wraps it in a savepoint of the transaction's database transaction, so a retry
 * starts clean and a skipped call's writes are undone while the rest of the transaction
 * commits. The dispatcher calls handlers directly ({@link #DIRECT}) unless given another scope.
 */
@FunctionalInterface
public interface HandlerCallScope {

	/** Calls the handler, nothing around it. */
	HandlerCallScope DIRECT = HandlerCall::invoke;

	/**
	 * Run the call.
	 * @param call the handler call
	 * @throws Exception what the call threw, after its work was undone
	 */
	void run(HandlerCall call) throws Exception;

	/** One call of a handler with its arguments bound. */
	@FunctionalInterface
	interface HandlerCall {

		/**
		 * Call the handler.
		 * @throws Exception what the handler threw
		 */
		void invoke() throws Exception;

	}

}
