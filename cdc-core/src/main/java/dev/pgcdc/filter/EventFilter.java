package dev.pgcdc.filter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a handler sees a {@link ChangeEvent}, cheaply and before any argument is
 * bound. In order:
 * <ol>
 * <li>operations: the event's operation must be one of them (all when none are given);</li>
 * <li>unwatched records: skipped when the row (new row, old row for DELETE) matches any
 * entry (see {@link UnwatchedRecord});</li>
 * <li>unwatched fields: an UPDATE whose changed columns are all unwatched is skipped. When
 * {@link ChangeEvent#changes()} is empty (old values unknown, as under REPLICA IDENTITY
 * DEFAULT, or an UPDATE that changed nothing) the event is <em>not</em> skipped: nothing
 * proves that only unwatched columns changed;</li>
 * <li>the SpEL condition, if any, must be true.</li>
 * </ol>
 */
public final class EventFilter {

	private static final EventFilter ACCEPT_ALL = new EventFilter(Set.of(), List.of(), Set.of(), null);

	private final Set<Operation> operations;

	private final List<UnwatchedRecord> unwatchedRecords;

	private final Set<String> unwatchedFields;

	private final @Nullable EventCondition condition;

	private EventFilter(Set<Operation> operations, List<UnwatchedRecord> unwatchedRecords, Set<String> unwatchedFields,
			@Nullable EventCondition condition) {
		this.operations = operations.isEmpty() ? EnumSet.allOf(Operation.class) : EnumSet.copyOf(operations);
		this.unwatchedRecords = List.copyOf(unwatchedRecords);
		this.unwatchedFields = Collections.unmodifiableSet(new LinkedHashSet<>(unwatchedFields));
		this.condition = condition;
	}

	/** @return a filter that accepts every event */
	public static EventFilter acceptAll() {
		return ACCEPT_ALL;
	}

	/**
	 * Create a filter from annotation or property values, parsing everything now.
	 * @param operations the operations to accept, none for all
	 * @param unwatchedRecords the unwatched record entries
	 * @param unwatchedFields the unwatched columns
	 * @param condition the SpEL condition, empty for none
	 * @return the filter
	 * @throws IllegalArgumentException if an entry or the condition does not parse
	 */
	public static EventFilter of(Collection<Operation> operations, Collection<String> unwatchedRecords,
			Collection<String> unwatchedFields, String condition) {
		List<UnwatchedRecord> records = new ArrayList<>();
		for (String entry : unwatchedRecords) {
			records.add(UnwatchedRecord.parse(entry));
		}
		Set<String> fields = new LinkedHashSet<>();
		for (String field : unwatchedFields) {
			if (field.isBlank()) {
				throw new IllegalArgumentException("Unwatched fields must not be blank");
			}
			fields.add(field.strip());
		}
		EventCondition parsed = condition.isBlank() ? null : EventCondition.parse(condition);
		Set<Operation> ops = operations.isEmpty() ? Set.of() : EnumSet.copyOf(operations);
		return new EventFilter(ops, records, fields, parsed);
	}

	/**
	 * Whether the event passes this filter.
	 * @param event the event
	 * @return {@code true} if the handler should see it
	 * @throws ConditionEvaluationException if the condition cannot be evaluated (its message carries
	 * no row value)
	 */
	public boolean accepts(ChangeEvent event) {
		if (!this.operations.contains(event.operation())) {
			return false;
		}
		if (!this.unwatchedRecords.isEmpty()) {
			Map<String, @Nullable Object> row = event.record();
			if (row != null) {
				for (UnwatchedRecord unwatched : this.unwatchedRecords) {
					if (unwatched.matches(row)) {
						return false;
					}
				}
			}
		}
		if (!this.unwatchedFields.isEmpty() && event.operation() == Operation.UPDATE && !event.changes().isEmpty()
				&& this.unwatchedFields.containsAll(event.changes().keySet())) {
			return false;
		}
		return this.condition == null || this.condition.matches(event);
	}

	/**
	 * Whether events of this operation may pass (the first test of {@link #accepts}).
	 * @param operation the operation
	 * @return {@code true} if the filter accepts the operation
	 */
	public boolean acceptsOperation(Operation operation) {
		return this.operations.contains(operation);
	}

	/** @return the operations accepted */
	public Set<Operation> operations() {
		return Collections.unmodifiableSet(this.operations);
	}

	/** @return the unwatched record entries */
	public List<UnwatchedRecord> unwatchedRecords() {
		return this.unwatchedRecords;
	}

	/** @return the unwatched columns */
	public Set<String> unwatchedFields() {
		return this.unwatchedFields;
	}

	/** @return the condition, if any */
	public @Nullable EventCondition condition() {
		return this.condition;
	}

	/** @return whether this filter only tests the operation */
	public boolean isOperationOnly() {
		return this.unwatchedRecords.isEmpty() && this.unwatchedFields.isEmpty() && this.condition == null;
	}

	/**
	 * The columns the unwatched records and fields name, to check against the catalog.
	 * @return the column names, in declaration order
	 */
	public Set<String> columns() {
		Set<String> columns = new LinkedHashSet<>();
		this.unwatchedRecords.forEach((record) -> columns.add(record.column()));
		columns.addAll(this.unwatchedFields);
		return columns;
	}

}
