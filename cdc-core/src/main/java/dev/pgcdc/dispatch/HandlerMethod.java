package dev.pgcdc.dispatch;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.event.CdcEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TableName;
import dev.pgcdc.filter.EventFilter;
import org.jspecify.annotations.Nullable;
import org.springframework.core.ResolvableType;
import org.springframework.util.ReflectionUtils;

/**
 * A registered handler: its definition, how each parameter is bound and its counters.
 * Parameters are resolved by type, in any order, each kind at most once:
 * <ul>
 * <li>change handlers: {@link ChangeEvent}, {@code Map<String, Object>} (the row), any other
 * class or record (the row bound by {@link RowBinder}; handlers binding the same type get the
 * same instance for one event, so treat it as read-only), or {@code List<ChangeEvent>} alone
 * (the handler's matching events of one transaction chunk);</li>
 * <li>message handlers: {@link LogicalMessage}, {@code String} (content as UTF-8),
 * {@code byte[]}, or a {@code Map} or any other class read from JSON content.</li>
 * </ul>
 */
public final class HandlerMethod {

	private final HandlerDefinition definition;

	private final List<ParameterBinding> bindings;

	private final boolean batch;

	private final HandlerStats stats = new HandlerStats();

	HandlerMethod(HandlerDefinition definition, RowBinder binder) {
		this.definition = definition;
		ReflectionUtils.makeAccessible(definition.method());
		Method method = definition.method();
		List<ParameterBinding> bindings = new ArrayList<>();
		Set<String> kinds = new HashSet<>();
		boolean batch = false;
		for (int i = 0; i < method.getParameterCount(); i++) {
			Class<?> type = method.getParameterTypes()[i];
			Type generic = method.getGenericParameterTypes()[i];
			String kind;
			ParameterBinding binding;
			if (definition.isMessageHandler()) {
				if (type == LogicalMessage.class) {
					kind = "LogicalMessage";
					binding = ParameterBinding.event();
				}
				else if (type == String.class) {
					kind = "String";
					binding = ParameterBinding.contentText();
				}
				else if (type == byte[].class) {
					kind = "byte[]";
					binding = ParameterBinding.contentBytes();
				}
				else {
					rejectChangeTypes(type, definition);
					kind = "content";
					binding = ParameterBinding.contentJson(binder, binder.type(generic));
				}
			}
			else if (type == ChangeEvent.class) {
				kind = "ChangeEvent";
				binding = ParameterBinding.event();
			}
			else if (List.class.isAssignableFrom(type) || type == java.util.Collection.class) {
				if (!isListOfChangeEvent(generic) || type != List.class) {
					throw invalid(definition, "parameter " + (i + 1) + " (" + generic.getTypeName()
							+ ") cannot be served: declare it as List<ChangeEvent> to receive the transaction's events");
				}
				kind = "List<ChangeEvent>";
				binding = ParameterBinding.batch();
				batch = true;
			}
			else if (Map.class.isAssignableFrom(type)) {
				if (type != Map.class || !hasStringKeys(generic)) {
					throw invalid(definition, "parameter " + (i + 1) + " (" + generic.getTypeName()
							+ ") cannot be served: declare the row as Map<String, Object>");
				}
				kind = "Map";
				binding = ParameterBinding.rowMap();
			}
			else if (type == LogicalMessage.class) {
				throw invalid(definition, "LogicalMessage parameters need @OnMessage, not @OnEvent");
			}
			else if (type.isPrimitive() || type == String.class || type.isArray() || type.getName().startsWith("java.")) {
				throw invalid(definition, "parameter " + (i + 1) + " (" + generic.getTypeName() + ") cannot be served:"
						+ " use ChangeEvent, List<ChangeEvent>, Map<String, Object> or a class or record for the row");
			}
			else {
				kind = "row";
				binding = ParameterBinding.row(binder, binder.type(generic));
			}
			if (!kinds.add(kind)) {
				throw invalid(definition, "more than one " + kind + " parameter: declare each kind at most once");
			}
			bindings.add(binding);
		}
		if (batch && bindings.size() > 1) {
			throw invalid(definition, "a List<ChangeEvent> parameter receives many events at once and cannot be combined"
					+ " with per-event parameters: use it alone, or use ChangeEvent, Map or a row class");
		}
		this.bindings = List.copyOf(bindings);
		this.batch = batch;
	}

	private static void rejectChangeTypes(Class<?> type, HandlerDefinition definition) {
		if (type == ChangeEvent.class || List.class.isAssignableFrom(type) || type.isPrimitive()) {
			throw invalid(definition, "@OnMessage handlers take LogicalMessage, String, byte[], a Map or a class read"
					+ " from JSON content, not " + type.getSimpleName());
		}
	}

	private static boolean isListOfChangeEvent(Type generic) {
		return generic instanceof ParameterizedType
				&& ResolvableType.forType(generic).getGeneric(0).resolve() == ChangeEvent.class;
	}

	private static boolean hasStringKeys(Type generic) {
		return !(generic instanceof ParameterizedType) || ResolvableType.forType(generic).getGeneric(0).resolve() == String.class;
	}

	private static IllegalArgumentException invalid(HandlerDefinition definition, String reason) {
		return new IllegalArgumentException("Invalid CDC handler " + definition.description() + ": " + reason);
	}

	/**
	 * Resolve arguments for one event, or for a chunk when {@link #isBatch()}.
	 */
	@Nullable Object[] arguments(CdcEvent event, List<ChangeEvent> chunk, BoundRows rows) {
		@Nullable Object[] arguments = new Object[this.bindings.size()];
		for (int i = 0; i < arguments.length; i++) {
			arguments[i] = this.bindings.get(i).resolve(event, chunk, rows);
		}
		return arguments;
	}

	/**
	 * Call the method, counting the invocation.
	 */
	void invoke(@Nullable Object[] arguments) throws Exception {
		this.stats.countInvocation();
		try {
			this.definition.method().invoke(this.definition.bean(), arguments);
		}
		catch (InvocationTargetException ex) {
			Throwable target = ex.getTargetException();
			if (target instanceof Exception exception) {
				throw exception;
			}
			throw (Error) target;
		}
	}

	/**
	 * Whether this change handler watches a table.
	 * @param table the table
	 * @return {@code true} if it names the table or names none
	 */
	public boolean watches(TableName table) {
		return this.definition.tables().isEmpty() || this.definition.tables().contains(table);
	}

	/**
	 * Whether this message handler handles a message.
	 * @param message the message
	 * @return {@code true} if the prefix matches
	 */
	public boolean handles(LogicalMessage message) {
		String prefix = this.definition.messagePrefix();
		return prefix != null && (prefix.isEmpty() || prefix.equals(message.prefix()));
	}

	/** @return the handler id */
	public String id() {
		return this.definition.id();
	}

	/** @return the definition */
	public HandlerDefinition definition() {
		return this.definition;
	}

	/** @return the filter */
	public EventFilter filter() {
		return this.definition.filter();
	}

	/** @return whether the handler takes {@code List<ChangeEvent>} */
	public boolean isBatch() {
		return this.batch;
	}

	/** @return the handler's counters */
	public HandlerStats stats() {
		return this.stats;
	}

	@Override
	public String toString() {
		return this.definition.id() + " (" + this.definition.description() + ")";
	}

}
