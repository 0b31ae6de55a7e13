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
	 * @return the argument
	 */
	@Nullable Object resolve(CdcEvent event, List<ChangeEvent> batch);

	/** @return the event itself */
	static ParameterBinding event() {
		return (event, batch) -> event;
	}

	/** @return the handler's matching events of one transaction chunk */
	static ParameterBinding batch() {
		return (event, batch) -> batch;
	}

	/** @return the row as a map (new row, old row for DELETE) */
	static ParameterBinding rowMap() {
		return (event, batch) -> ((ChangeEvent) event).record();
	}

	/**
	 * @param binder binds rows
	 * @param type the parameter type
	 * @return the row bound to a class
	 */
	static ParameterBinding row(RowBinder binder, JavaType type) {
		return (event, batch) -> {
			Map<String, @Nullable Object> row = ((ChangeEvent) event).record();
			return (row != null) ? binder.bindRow(row, type) : null;
		};
	}

	/** @return a logical message's content as UTF-8 text */
	static ParameterBinding contentText() {
		return (event, batch) -> ((LogicalMessage) event).contentAsString();
	}

	/** @return a logical message's content bytes */
	static ParameterBinding contentBytes() {
		return (event, batch) -> ((LogicalMessage) event).content();
	}

	/**
	 * @param binder reads JSON
	 * @param type the parameter type
	 * @return a logical message's content read as JSON
	 */
	static ParameterBinding contentJson(RowBinder binder, JavaType type) {
		return (event, batch) -> binder.bindContent(((LogicalMessage) event).content(), type);
	}

}
