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
abstract class ParameterBinding {

	abstract @Nullable Object resolve(CdcEvent event, List<ChangeEvent> batch);

	/** The event itself. */
	static ParameterBinding event() {
		return new ParameterBinding() {
			@Override
			@Nullable Object resolve(CdcEvent event, List<ChangeEvent> batch) {
				return event;
			}
		};
	}

	/** The handler's matching events of one transaction chunk. */
	static ParameterBinding batch() {
		return new ParameterBinding() {
			@Override
			@Nullable Object resolve(CdcEvent event, List<ChangeEvent> batch) {
				return batch;
			}
		};
	}

	/** The row as a map (new row, old row for DELETE). */
	static ParameterBinding rowMap() {
		return new ParameterBinding() {
			@Override
			@Nullable Object resolve(CdcEvent event, List<ChangeEvent> batch) {
				return ((ChangeEvent) event).record();
			}
		};
	}

	/** The row bound to a class. */
	static ParameterBinding row(RowBinder binder, JavaType type) {
		return new ParameterBinding() {
			@Override
			@Nullable Object resolve(CdcEvent event, List<ChangeEvent> batch) {
				Map<String, @Nullable Object> row = ((ChangeEvent) event).record();
				return (row != null) ? binder.bindRow(row, type) : null;
			}
		};
	}

	/** A logical message's content as UTF-8 text. */
	static ParameterBinding contentText() {
		return new ParameterBinding() {
			@Override
			@Nullable Object resolve(CdcEvent event, List<ChangeEvent> batch) {
				return ((LogicalMessage) event).contentAsString();
			}
		};
	}

	/** A logical message's content bytes. */
	static ParameterBinding contentBytes() {
		return new ParameterBinding() {
			@Override
			@Nullable Object resolve(CdcEvent event, List<ChangeEvent> batch) {
				return ((LogicalMessage) event).content();
			}
		};
	}

	/** A logical message's content read as JSON. */
	static ParameterBinding contentJson(RowBinder binder, JavaType type) {
		return new ParameterBinding() {
			@Override
			@Nullable Object resolve(CdcEvent event, List<ChangeEvent> batch) {
				return binder.bindContent(((LogicalMessage) event).content(), type);
			}
		};
	}

}
