package dev.pgcdc.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link RelayFormat#JSON}: the value is the {@link ChangeEvent} as JSON (its accessors as
 * fields: {@code operation}, {@code schema}, {@code table}, {@code newRecord}, {@code oldRecord},
 * {@code changes}, {@code commitTimestamp}, {@code lsn}, {@code xid}, {@code source},
 * {@code position}, ...); the key is the primary-key columns as a JSON object, or the
 * qualified table name as a JSON string for a table without a primary key.
 */
final class PgcdcJsonFormat implements RecordFormat {

	private final JsonMapper mapper;

	PgcdcJsonFormat(JsonMapper mapper) {
		this.mapper = mapper;
	}

	@Override
	public byte @Nullable [] key(ChangeEvent event, List<String> keyColumns) {
		if (keyColumns.isEmpty()) {
			return (event.record() == null) ? null : this.mapper.writeValueAsBytes(event.qualifiedTable());
		}
		Map<String, @Nullable Object> key = RecordFormat.keyOf(event, keyColumns);
		return (key != null) ? this.mapper.writeValueAsBytes(key) : null;
	}

	@Override
	public byte[] value(ChangeEvent event) {
		return this.mapper.writeValueAsBytes(event);
	}

	@Override
	public boolean tombstoneAfter(ChangeEvent event) {
		return false;
	}

	@Override
	public byte[] key(LogicalMessage message) {
		return this.mapper.writeValueAsBytes(message.prefix());
	}

	@Override
	public byte[] value(LogicalMessage message) {
		Map<String, @Nullable Object> value = new LinkedHashMap<>();
		value.put("prefix", message.prefix());
		value.put("content", message.contentAsString());
		value.put("transactional", message.transactional());
		value.put("lsn", message.lsn());
		value.put("xid", message.xid());
		value.put("commitTimestamp", message.commitTimestamp());
		return this.mapper.writeValueAsBytes(value);
	}

}
