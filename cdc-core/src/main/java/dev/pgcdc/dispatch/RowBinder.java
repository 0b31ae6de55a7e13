package dev.pgcdc.dispatch;

import java.lang.reflect.Type;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * Binds rows and message contents to handler parameter types with the application's Jackson
 * mapper. Rows use a copy of it with the {@code SNAKE_CASE} naming strategy, so a
 * {@code created_at} column fills a {@code createdAt} property; unknown properties are
 * ignored in both, so a class may pick the columns it cares about. The application's mapper
 * itself is never changed.
 */
public final class RowBinder {

	private static final Logger logger = LoggerFactory.getLogger(RowBinder.class);

	private final ObjectMapper rowMapper;

	private final ObjectMapper contentMapper;

	/** Bind with a default {@link JsonMapper}. */
	public RowBinder() {
		this(JsonMapper.builder().build());
	}

	/**
	 * Bind with copies of the application's mapper.
	 * @param mapper the application's mapper, used as a template
	 */
	public RowBinder(ObjectMapper mapper) {
		this.rowMapper = mapper.rebuild()
			.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
			.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.build();
		this.contentMapper = mapper.rebuild().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
	}

	JavaType type(Type type) {
		return this.rowMapper.constructType(type);
	}

	/**
	 * Bind a row.
	 * @param row the row (column name to decoded value)
	 * @param type the target type
	 * @return the bound value
	 * @throws IllegalArgumentException if the row does not fit the type, naming the column but
	 * not its value
	 */
	public @Nullable Object bindRow(Map<String, @Nullable Object> row, JavaType type) {
		try {
			return this.rowMapper.convertValue(row, type);
		}
		catch (JacksonException ex) {
			throw cannotBind("the row", type, ex);
		}
	}

	/**
	 * Read a logical message's JSON content.
	 * @param content the content bytes
	 * @param type the target type
	 * @return the bound value
	 */
	public @Nullable Object bindContent(byte[] content, JavaType type) {
		try {
			return this.contentMapper.readValue(content, type);
		}
		catch (JacksonException ex) {
			throw cannotBind("the message content", type, ex);
		}
	}

	// Jackson's messages quote the offending value: row data must not reach the endpoint or WARN
	// logs, so the error names the property path only and the original goes to DEBUG
	private static IllegalArgumentException cannotBind(String what, JavaType type, JacksonException ex) {
		StringBuilder path = new StringBuilder();
		for (JacksonException.Reference reference : ex.getPath()) {
			if (reference.getPropertyName() != null) {
				path.append((path.length() > 0) ? "." : "").append(reference.getPropertyName());
			}
			else if (reference.getIndex() >= 0) {
				path.append('[').append(reference.getIndex()).append(']');
			}
		}
		logger.debug("Cannot bind {} to {}", what, type, ex);
		return new IllegalArgumentException("Cannot bind " + what + " to " + type.toCanonical()
				+ ((path.length() > 0) ? " at '" + path + "'" : "") + " (" + ex.getClass().getSimpleName()
				+ "; the value is not shown, set logging.level." + RowBinder.class.getName() + "=DEBUG to see it)");
	}

}
