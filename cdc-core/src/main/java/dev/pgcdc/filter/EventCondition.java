package dev.pgcdc.filter;

import java.util.List;

import dev.pgcdc.event.ChangeEvent;
import org.jspecify.annotations.Nullable;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.SpelEvaluationException;
import org.springframework.expression.spel.SpelMessage;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * A handler's SpEL {@code condition}, parsed once and evaluated per event with the
 * capabilities of a {@link SimpleEvaluationContext} for read-only data binding: row data is
 * untrusted input, so there are no bean references, no type references ({@code T(...)}), no
 * constructors, no method or function calls and no assignments, and {@link #parse} rejects a
 * condition that uses any of them, so it fails start-up rather than the first event.
 * Variables:
 * <ul>
 * <li>{@code #event}: the {@link ChangeEvent}</li>
 * <li>{@code #new} / {@code #old}: the new and old rows (maps, possibly {@code null});
 * {@code #new['done']} and {@code #new.done} both read a column</li>
 * <li>{@code #table}: the table name without schema; {@code #schema}: the schema</li>
 * <li>{@code #op}: the operation name, {@code 'INSERT'}, {@code 'UPDATE'}, {@code 'DELETE'}
 * or {@code 'TRUNCATE'}</li>
 * </ul>
 * A {@code null} result counts as false. Evaluation takes no lock and keeps no state: the
 * variables are read from the event through a small immutable context made for each
 * evaluation, so conditions may be evaluated from several threads at once.
 */
public final class EventCondition {

	private static final SpelExpressionParser PARSER = new SpelExpressionParser();

	private final String text;

	// evaluated concurrently: SpEL's AST caches its accessors thread-safely
	private final SpelExpression expression;

	private EventCondition(String text, SpelExpression expression) {
		this.text = text;
		this.expression = expression;
	}

	/**
	 * Parse a condition, rejecting what the read-only evaluation could not run.
	 * @param text the SpEL text
	 * @return the condition
	 * @throws IllegalArgumentException if the text does not parse, with the parser's message, or
	 * uses a type or bean reference, a constructor, a method or function call or an assignment,
	 * naming each and what to write instead
	 */
	public static EventCondition parse(String text) {
		SpelExpression expression;
		try {
			expression = PARSER.parseRaw(text);
		}
		catch (ParseException ex) {
			throw new IllegalArgumentException("Invalid SpEL condition \"" + text + "\": " + ex.getMessage(), ex);
		}
		List<String> forbidden = ForbiddenConstructs.find(expression.getAST());
		if (!forbidden.isEmpty()) {
			throw new IllegalArgumentException("Invalid SpEL condition \"" + text + "\": "
					+ String.join(", ", forbidden) + ((forbidden.size() == 1) ? " is" : " are") + " not allowed."
					+ " Conditions are evaluated read-only against row data, without T(...) type references, bean"
					+ " references, constructors, method or function calls, or assignments: read columns and"
					+ " properties instead (#new['done'], #new.done, #old.id, #event.xid, #op, #table) and combine"
					+ " them with operators (==, !=, <, matches, between, and, or, !, ?:)");
		}
		return new EventCondition(text, expression);
	}

	/**
	 * Evaluate the condition for an event.
	 * @param event the event
	 * @return whether the handler should run
	 * @throws ConditionEvaluationException if evaluation fails or does not give a boolean, with
	 * a message that carries no row value
	 */
	public boolean matches(ChangeEvent event) {
		Object result;
		try {
			result = this.expression.getValue(new EventEvaluationContext(event));
		}
		catch (SpelEvaluationException ex) {
			if (readsAnAbsentRow(ex)) {
				// #new['done'] on a DELETE (or #old.x on an INSERT): the row is not there, so the
				// condition does not hold, as WalEx users expect; it is not a handler failure
				return false;
			}
			throw ConditionEvaluationException.failed(this.text, event, ex);
		}
		catch (RuntimeException ex) {
			// an arithmetic error, an accessor that threw: the type only, as for SpEL's errors
			throw ConditionEvaluationException.failed(this.text, event, ex);
		}
		return toBoolean(result, event);
	}

	private static boolean readsAnAbsentRow(SpelEvaluationException ex) {
		SpelMessage message = ex.getMessageCode();
		return message == SpelMessage.CANNOT_INDEX_INTO_NULL_VALUE
				|| message == SpelMessage.PROPERTY_OR_FIELD_NOT_READABLE_ON_NULL;
	}

	private boolean toBoolean(@Nullable Object result, ChangeEvent event) {
		if (result == null) {
			return false;
		}
		if (result instanceof Boolean bool) {
			return bool;
		}
		// the type only: the result may be a column value
		throw ConditionEvaluationException.notBoolean(this.text, event, result);
	}

	/** @return the SpEL text */
	public String text() {
		return this.text;
	}

	@Override
	public String toString() {
		return this.text;
	}

}
