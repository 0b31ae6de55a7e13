package dev.pgcdc.dispatch;

import java.util.List;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.filter.ConditionEvaluationException;
import dev.pgcdc.stream.DatabaseUnavailableException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.core.retry.Retryable;

/**
 * What the {@link HandlerMulticaster} does once a handler call failed, modelled on
 * spring-kafka's {@code DefaultErrorHandler}: retries with the {@link RetryPolicy}'s back-off
 * (through a {@link RetryTemplate}), then the {@link ErrorPolicy}. {@code STOP} throws a
 * {@link HandlerFailedException}, so the stream fails without acknowledging the transaction;
 * {@code SKIP} gives the events to the {@link CdcErrorHandler} (the dead letter), logs and
 * returns.
 * <p>
 * A failure that says the handler's database is shutting down, restarting or unreachable
 * ({@link DatabaseUnavailableException#causedBy}) is neither retried here nor given to the error
 * policy: it is thrown on at once as a {@link DatabaseUnavailableException}, so the stream gives
 * up its session without acknowledging and delivers the transaction again after reconnecting
 * (retrying in place would keep a shutting-down server waiting for the stream's confirmation).
 * <p>
 * The first call is the multicaster's own: a handler that returns never reaches this class,
 * so the common path allocates nothing for retries. Messages name operation, table, xid and
 * LSN, never row values.
 */
final class RetryingErrorHandler {

	private static final Logger logger = LoggerFactory.getLogger(HandlerMulticaster.class);

	/** One more call of the handler with the same arguments. */
	@FunctionalInterface
	interface Attempt {

		void call() throws Exception;

	}

	private final RetryTemplate retryTemplate;

	private final ErrorPolicy errorPolicy;

	private final @Nullable CdcErrorHandler errorHandler;

	RetryingErrorHandler(RetryPolicy retryPolicy, ErrorPolicy errorPolicy, @Nullable CdcErrorHandler errorHandler) {
		this.retryTemplate = new RetryTemplate(retryPolicy);
		this.errorPolicy = errorPolicy;
		this.errorHandler = errorHandler;
	}

	ErrorPolicy errorPolicy() {
		return this.errorPolicy;
	}

	/**
	 * The handler's first call threw: retry it as the policy says, then apply the error policy.
	 * @param handler the handler
	 * @param event the event it was called for (the first of the chunk for a batch handler)
	 * @param chunk the batch handler's events, empty for a per-event handler
	 * @param failure what the first call threw
	 * @param retry calls the handler once more
	 */
	void retry(HandlerMethod handler, CdcEvent event, List<ChangeEvent> chunk, Exception failure, Attempt retry) {
		if (DatabaseUnavailableException.causedBy(failure)) {
			throw unavailable(handler, event, chunk, failure);
		}
		Exception[] unavailable = new Exception[1];
		try {
			// the template's own first attempt replays the failure the multicaster already had, so the
			// policy sees every failure, the back-off runs before the first real retry, and counts stay right
			this.retryTemplate.execute(new Retryable<Boolean>() {

				private boolean replayed;

				@Override
				public Boolean execute() throws Exception {
					if (!this.replayed) {
						this.replayed = true;
						throw failure;
					}
					try {
						retry.call();
					}
					catch (Exception ex) {
						if (!DatabaseUnavailableException.causedBy(ex)) {
							throw ex;
						}
						// ends the retries: the template would retry it as the policy says
						unavailable[0] = ex;
					}
					return Boolean.TRUE;
				}

			});
		}
		catch (RetryException ex) {
			giveUp(handler, events(event, chunk), ex.getCause(), ex.getRetryCount() + 1);
		}
		if (unavailable[0] != null) {
			throw unavailable(handler, event, chunk, unavailable[0]);
		}
	}

	private static DatabaseUnavailableException unavailable(HandlerMethod handler, CdcEvent event,
			List<ChangeEvent> chunk, Exception failure) {
		return new DatabaseUnavailableException("CDC handler '" + handler.id() + "' failed on "
				+ describe(events(event, chunk)) + " because its database is unavailable (" + cause(failure)
				+ "): the transaction is not acknowledged and is delivered again after reconnecting", failure);
	}

	/**
	 * Apply the error policy without retrying (a row that cannot be bound, a condition that
	 * cannot be evaluated: retrying cannot change them).
	 * @param handler the handler
	 * @param events the events it was to be called for
	 * @param error what went wrong
	 * @param attempts how many times the handler was called
	 */
	void giveUp(HandlerMethod handler, List<CdcEvent> events, Throwable error, int attempts) {
		String what = "CDC handler '" + handler.id() + "' failed on " + describe(events) + " after " + attempts
				+ ((attempts == 1) ? " attempt" : " attempts");
		if (error instanceof Error fatal) {
			throw fatal;
		}
		if (Thread.currentThread().isInterrupted()) {
			throw new HandlerFailedException(handler.id(), what + " and was interrupted while retrying (stopping):"
					+ " the transaction is not acknowledged", error);
		}
		if (this.errorPolicy == ErrorPolicy.STOP) {
			throw new HandlerFailedException(handler.id(), what + "; error policy STOP: the stream stops and the"
					+ " transaction (lsn " + events.get(0).lsn() + ") is not acknowledged. Cause: " + cause(error), error);
		}
		handler.stats().countSkipped(events.size());
		logger.warn("{}; error policy SKIP: skipping {} event(s){}", what, events.size(),
				(this.errorHandler != null) ? " to the CdcErrorHandler" : "", error);
		if (this.errorHandler != null) {
			try {
				this.errorHandler.handleError(new HandlerFailure(handler.id(), events, error, attempts));
			}
			catch (Exception ex) {
				ex.addSuppressed(error);
				throw new HandlerFailedException(handler.id(), what + " and the CdcErrorHandler failed too: the stream"
						+ " stops and the transaction (lsn " + events.get(0).lsn() + ") is not acknowledged", ex);
			}
		}
	}

	// a handler's own message may quote row values (a constraint violation names the key, a check the
	// value): only its type goes into the stream's error, the exception itself stays the cause
	private static String cause(Throwable error) {
		return (error instanceof ConditionEvaluationException) ? error.toString() : error.getClass().getName();
	}

	/**
	 * The events a handler call was for, built only when something failed.
	 * @param event the event
	 * @param chunk the batch handler's events, or empty
	 * @return the chunk, or the one event
	 */
	static List<CdcEvent> events(CdcEvent event, List<ChangeEvent> chunk) {
		return chunk.isEmpty() ? List.of(event) : List.copyOf(chunk);
	}

	/** The events by operation, table (or message prefix), xid and LSN: never row values. */
	static String describe(List<CdcEvent> events) {
		CdcEvent first = events.get(0);
		String event = (first instanceof ChangeEvent change)
				? change.operation() + " on " + change.qualifiedTable() : "message '" + ((LogicalMessage) first).prefix() + "'";
		return ((events.size() == 1) ? event : events.size() + " events (first: " + event + ")") + " (xid " + first.xid()
				+ ", lsn " + first.lsn() + ")";
	}

}
