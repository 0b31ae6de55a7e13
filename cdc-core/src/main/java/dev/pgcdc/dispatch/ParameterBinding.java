package dev.pgcdc.dispatch;

import java.util.List;
import java.util.Map;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JavaType;

/**
 * How one handler parameter gets its value, decided once when the handler is registered.
 */
@FunctionalInterface
interface ParameterBinding {

	/**
	 * @param event the event the handler is called for
	 * @param batch the handler's matching events of the current chunk
	 * @param rows the rows of this event bound so far, shared by the event's handlers
	 * @return the argument
	 */
	@Nullable Object resolve(CdcEvent event, List<ChangeEvent> batch, BoundRows rows);

	/** @return the event itself */
	static ParameterBinding event() {
		return (event, batch, rows) -> event;
	}

	/** @return the handler's matching events of one transaction chunk */
	static ParameterBinding batch() {
		return (event, batch, rows) -> batch;
	}

	/** @return the row as a map (new row, old row for DELETE) */
	static ParameterBinding rowMap() {
		return (event, batch, rows) -> ((ChangeEvent) event).record();
	}

	/**
	 * @param binder binds rows
	 * @param type the parameter type
	 * @return the row bound to a class, once per event for all handlers binding that type
	 */
	static ParameterBinding row(RowBinder binder, JavaType type) {
		return (event, batch, rows) -> {
			Map<String, @Nullable Object> row = ((ChangeEvent) event).record();
			return (row != null) ? rows.bind(event, row, type, binder) : null;
		};
	}

	/** @return a logical message's content as UTF-8 text */
	static ParameterBinding contentText() {
		return (event, batch, rows) -> ((LogicalMessage) event).contentAsString();
	}

	/** @return a logical message's content bytes */
	static ParameterBinding contentBytes() {
		return (event, batch, rows) -> ((LogicalMessage) event).content();
	}

	/**
	 * @param binder reads JSON
	 * @param type the parameter type
	 * @return a logical message's content read as JSON
	 */
	static ParameterBinding contentJson(RowBinder binder, JavaType type) {
		return (event, batch, rows) -> binder.bindContent(((LogicalMessage) event).content(), type);
	}

}
