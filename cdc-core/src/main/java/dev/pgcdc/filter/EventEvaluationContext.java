package dev.pgcdc.filter;

import java.util.List;
import java.util.function.Supplier;

import dev.pgcdc.event.ChangeEvent;
import org.jspecify.annotations.Nullable;
import org.springframework.expression.BeanResolver;
import org.springframework.expression.ConstructorResolver;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.IndexAccessor;
import org.springframework.expression.MethodResolver;
import org.springframework.expression.OperatorOverloader;
import org.springframework.expression.PropertyAccessor;
import org.springframework.expression.TypeComparator;
import org.springframework.expression.TypeConverter;
import org.springframework.expression.TypeLocator;
import org.springframework.expression.TypedValue;
import org.springframework.expression.spel.support.DataBindingPropertyAccessor;
import org.springframework.expression.spel.support.MapAccessor;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * The evaluation context of one condition on one event: an immutable view whose variables
 * ({@code #event}, {@code #new}, {@code #old}, {@code #table}, {@code #schema}, {@code #op})
 * are read from the event, and whose every capability is that of one shared read-only
 * {@link SimpleEvaluationContext}, built once. Creating one costs a single small object, and
 * conditions evaluate concurrently without a lock, with nothing left behind from one event to
 * the next.
 */
final class EventEvaluationContext implements EvaluationContext {

	// read-only: column values through #new.done as well as #new['done'], record accessors as properties;
	// no method resolvers, bean resolver, type locator or constructor resolvers; immutable once built
	private static final SimpleEvaluationContext READ_ONLY = SimpleEvaluationContext
		.forPropertyAccessors(new MapAccessor(false), DataBindingPropertyAccessor.forReadOnlyAccess())
		.withAssignmentDisabled()
		.build();

	private final ChangeEvent event;

	EventEvaluationContext(ChangeEvent event) {
		this.event = event;
	}

	@Override
	public @Nullable Object lookupVariable(String name) {
		return switch (name) {
			case "event" -> this.event;
			case "new" -> this.event.newRecord();
			case "old" -> this.event.oldRecord();
			case "table" -> this.event.table();
			case "schema" -> this.event.schema();
			case "op" -> this.event.operation().name();
			default -> null;
		};
	}

	@Override
	public void setVariable(String name, @Nullable Object value) {
		throw new UnsupportedOperationException("Conditions are read-only: variables cannot be set");
	}

	@Override
	public TypedValue assignVariable(String name, Supplier<TypedValue> valueSupplier) {
		// refuses, assignment being disabled
		return READ_ONLY.assignVariable(name, valueSupplier);
	}

	@Override
	public boolean isAssignmentEnabled() {
		return READ_ONLY.isAssignmentEnabled();
	}

	@Override
	public boolean isCompilationSupported() {
		return READ_ONLY.isCompilationSupported();
	}

	@Override
	public TypedValue getRootObject() {
		return READ_ONLY.getRootObject();
	}

	@Override
	public List<PropertyAccessor> getPropertyAccessors() {
		return READ_ONLY.getPropertyAccessors();
	}

	@Override
	public List<IndexAccessor> getIndexAccessors() {
		return READ_ONLY.getIndexAccessors();
	}

	@Override
	public List<ConstructorResolver> getConstructorResolvers() {
		return READ_ONLY.getConstructorResolvers();
	}

	@Override
	public List<MethodResolver> getMethodResolvers() {
		return READ_ONLY.getMethodResolvers();
	}

	@Override
	public @Nullable BeanResolver getBeanResolver() {
		return READ_ONLY.getBeanResolver();
	}

	@Override
	public TypeLocator getTypeLocator() {
		return READ_ONLY.getTypeLocator();
	}

	@Override
	public TypeConverter getTypeConverter() {
		return READ_ONLY.getTypeConverter();
	}

	@Override
	public TypeComparator getTypeComparator() {
		return READ_ONLY.getTypeComparator();
	}

	@Override
	public OperatorOverloader getOperatorOverloader() {
		return READ_ONLY.getOperatorOverloader();
	}

}
