package dev.pgcdc.filter;

import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.Set;

import dev.pgcdc.event.ChangeEvent;
import org.jspecify.annotations.Nullable;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.expression.spel.SpelEvaluationException;
import org.springframework.expression.spel.SpelMessage;

/**
 * An {@link EventCondition} that could not be evaluated for an event, or did not give a
 * boolean. The message names the condition, the event (operation, table, xid and LSN) and the
 * error: its type, SpEL's message code and position, SpEL's message (with its inserts hidden
 * unless they are types) and the types of its causes.
 * <p>
 * It never carries a row value, so it has no cause: the evaluation error's message, and its
 * causes' (a {@code ConversionFailedException} quotes the value it could not convert), may
 * contain one, and whatever logs this exception or shows it on the endpoint must not.
 */
public class ConditionEvaluationException extends IllegalStateException {

	private static final String HIDDEN = "<hidden>";

	// messages whose inserts are types (and operators) by construction, never values
	private static final Set<SpelMessage> TYPES_ONLY = EnumSet.of(SpelMessage.TYPE_CONVERSION_ERROR,
			SpelMessage.OPERATOR_NOT_SUPPORTED_BETWEEN_TYPES, SpelMessage.NOT_COMPARABLE,
			SpelMessage.INDEXING_NOT_SUPPORTED_FOR_TYPE, SpelMessage.INSTANCEOF_OPERATOR_NEEDS_CLASS_OPERAND);

	private final String condition;

	private final @Nullable String errorType;

	private ConditionEvaluationException(String message, String condition, @Nullable String errorType) {
		super(message);
		this.condition = condition;
		this.errorType = errorType;
	}

	/**
	 * The condition failed with an error.
	 * @param condition the condition's text
	 * @param event the event it was evaluated for
	 * @param error what evaluation threw
	 * @return the exception, without the error as cause
	 */
	static ConditionEvaluationException failed(String condition, ChangeEvent event, RuntimeException error) {
		return new ConditionEvaluationException("SpEL condition \"" + condition + "\" failed on " + describe(event) + ": "
				+ describe(error) + " (messages that may quote row values are left out)", condition,
				error.getClass().getName());
	}

	/**
	 * The condition gave something other than a boolean.
	 * @param condition the condition's text
	 * @param event the event it was evaluated for
	 * @param result what it gave
	 * @return the exception, naming the result's type only
	 */
	static ConditionEvaluationException notBoolean(String condition, ChangeEvent event, Object result) {
		return new ConditionEvaluationException("SpEL condition \"" + condition + "\" must give a boolean, but gave a "
				+ result.getClass().getName() + " on " + describe(event), condition, null);
	}

	// for example UPDATE on public.users (xid 7, lsn 0/16B3748): no row values
	private static String describe(ChangeEvent event) {
		return event.operation() + " on " + event.qualifiedTable() + " (xid " + event.xid() + ", lsn " + event.lsn()
				+ ")";
	}

	private static String describe(Throwable error) {
		StringBuilder description = new StringBuilder(error.getClass().getName());
		if (error instanceof SpelEvaluationException spel) {
			SpelMessage message = spel.getMessageCode();
			Object @Nullable [] raw = spel.getInserts();
			Object[] inserts = (TYPES_ONLY.contains(message) && raw != null) ? raw : typesOnly(raw);
			description.append(' ').append(message.formatMessage(inserts));
			if (spel.getPosition() >= 0) {
				description.append(" at position ").append(spel.getPosition());
			}
		}
		Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
		seen.add(error);
		for (Throwable cause = error.getCause(); cause != null && seen.add(cause); cause = cause.getCause()) {
			description.append(", caused by ").append(cause.getClass().getName());
		}
		return description.toString();
	}

	/**
	 * SpEL's inserts with all but types hidden: a pattern, an index or a collection's size may
	 * be row data.
	 */
	private static Object[] typesOnly(Object @Nullable [] inserts) {
		if (inserts == null) {
			return new Object[0];
		}
		Object[] safe = new Object[inserts.length];
		for (int i = 0; i < inserts.length; i++) {
			Object insert = inserts[i];
			safe[i] = (insert instanceof Class<?> || insert instanceof TypeDescriptor) ? insert : HIDDEN;
		}
		return safe;
	}

	/** @return the condition's SpEL text */
	public String getCondition() {
		return this.condition;
	}

	/**
	 * @return the class name of the error evaluation threw, {@code null} when the condition
	 * gave a value that is not a boolean
	 */
	public @Nullable String getErrorType() {
		return this.errorType;
	}

}
