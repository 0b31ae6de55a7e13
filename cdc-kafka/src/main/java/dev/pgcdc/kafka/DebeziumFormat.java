package dev.pgcdc.kafka;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link RelayFormat#DEBEZIUM}: the record Debezium's PostgreSQL connector writes through Kafka
 * Connect's {@code JsonConverter} with {@code schemas.enable=false}, so consumers written for
 * Debezium read it unchanged.
 * <p>
 * Value: {@code before}, {@code after}, {@code source} ({@code version}, {@code connector}
 * {@code "postgresql"}, {@code name}, {@code ts_ms}/{@code ts_us}/{@code ts_ns} of the commit,
 * {@code snapshot}, {@code db}, {@code sequence}, {@code schema}, {@code table}, {@code txId},
 * {@code lsn} as a number, {@code xmin}), {@code transaction} ({@code null}), {@code op}
 * ({@code c}, {@code u}, {@code d}, {@code r} for snapshot rows, {@code t}) and
 * {@code ts_ms}/{@code ts_us}/{@code ts_ns} of the relay. Key: the primary-key columns as an
 * object. A DELETE is followed by a tombstone, as Debezium's {@code tombstones.on.delete=true}.
 * Column values use Debezium's default encodings where they are lossless without a schema:
 * {@code date} days since the epoch, {@code time} microseconds of the day, {@code timestamp}
 * microseconds since the epoch ({@code MicroTimestamp}), {@code timestamptz} and {@code timetz}
 * ISO-8601 strings ({@code ZonedTimestamp}, {@code ZonedTime}), {@code bytea} base64,
 * {@code uuid} and {@code json}/{@code jsonb} strings; {@code numeric} is a string (Debezium's
 * {@code decimal.handling.mode=string}: the default {@code precise} bytes cannot be read without
 * the schema).
 */
final class DebeziumFormat implements RecordFormat {

	private static final DateTimeFormatter ZONED_TIME = DateTimeFormatter.ISO_OFFSET_TIME;

	private final JsonMapper mapper;

	private final String serverName;

	private final String version;

	/**
	 * @param mapper writes the JSON
	 * @param serverName {@code source.name} (Debezium's {@code topic.prefix})
	 * @param version {@code source.version}
	 */
	DebeziumFormat(JsonMapper mapper, String serverName, String version) {
		this.mapper = mapper;
		this.serverName = serverName;
		this.version = version;
	}

	@Override
	public byte @Nullable [] key(ChangeEvent event, List<String> keyColumns) {
		if (keyColumns.isEmpty()) {
			return (event.record() == null) ? null : this.mapper.writeValueAsBytes(event.qualifiedTable());
		}
		Map<String, @Nullable Object> key = RecordFormat.keyOf(event, keyColumns);
		return (key != null) ? this.mapper.writeValueAsBytes(row(key)) : null;
	}

	@Override
	public byte[] value(ChangeEvent event) {
		Map<String, @Nullable Object> value = new LinkedHashMap<>();
		value.put("before", (event.oldRecord() != null) ? row(event.oldRecord()) : null);
		value.put("after", (event.newRecord() != null) ? row(event.newRecord()) : null);
		value.put("source", source(event.commitTimestamp(), event.source().database(), event.schema(), event.table(),
				event.xid(), event.lsn(), switch (event.operation()) {
					case SNAPSHOT -> "incremental";
					default -> "false";
				}));
		value.put("transaction", null);
		value.put("op", switch (event.operation()) {
			case INSERT -> "c";
			case UPDATE -> "u";
			case DELETE -> "d";
			case SNAPSHOT -> "r";
			case TRUNCATE -> "t";
		});
		now(value);
		return this.mapper.writeValueAsBytes(value);
	}

	@Override
	public boolean tombstoneAfter(ChangeEvent event) {
		return event.operation() == dev.pgcdc.event.Operation.DELETE;
	}

	@Override
	public byte[] key(LogicalMessage message) {
		return this.mapper.writeValueAsBytes(Map.of("prefix", message.prefix()));
	}

	/** Debezium's logical decoding message event: {@code op} {@code m}, the content base64. */
	@Override
	public byte[] value(LogicalMessage message) {
		Map<String, @Nullable Object> value = new LinkedHashMap<>();
		value.put("op", "m");
		Instant at = (message.commitTimestamp() != null) ? message.commitTimestamp() : Instant.now();
		value.put("source", source(at, "", "", "", message.xid(), message.lsn(), "false"));
		value.put("message", Map.of("prefix", message.prefix(), "content",
				Base64.getEncoder().encodeToString(message.content())));
		now(value);
		return this.mapper.writeValueAsBytes(value);
	}

	private Map<String, @Nullable Object> source(Instant committed, String database, String schema, String table,
			long xid, String lsn, String snapshot) {
		long lsnValue = LogSequenceNumber.valueOf(lsn).asLong();
		Map<String, @Nullable Object> source = new LinkedHashMap<>();
		source.put("version", this.version);
		source.put("connector", "postgresql");
		source.put("name", this.serverName);
		source.put("ts_ms", committed.toEpochMilli());
		source.put("ts_us", ChronoUnit.MICROS.between(Instant.EPOCH, committed));
		source.put("ts_ns", ChronoUnit.NANOS.between(Instant.EPOCH, committed));
		source.put("snapshot", snapshot);
		source.put("db", database);
		// Debezium's [lastCommitLsn, lsn]: the commit LSN is both here, events carry no LSN of their own
		source.put("sequence", "[\"" + lsnValue + "\",\"" + lsnValue + "\"]");
		source.put("schema", schema);
		source.put("table", table);
		source.put("txId", xid);
		source.put("lsn", lsnValue);
		source.put("xmin", null);
		return source;
	}

	private static void now(Map<String, @Nullable Object> value) {
		Instant now = Instant.now();
		value.put("ts_ms", now.toEpochMilli());
		value.put("ts_us", ChronoUnit.MICROS.between(Instant.EPOCH, now));
		value.put("ts_ns", ChronoUnit.NANOS.between(Instant.EPOCH, now));
	}

	private static Map<String, @Nullable Object> row(Map<String, @Nullable Object> row) {
		Map<String, @Nullable Object> converted = new LinkedHashMap<>();
		row.forEach((column, value) -> converted.put(column, value(value)));
		return converted;
	}

	/** One column value in Debezium's default encoding (see the class comment). */
	static @Nullable Object value(@Nullable Object value) {
		if (value == null || value instanceof String || value instanceof Boolean || value instanceof Integer
				|| value instanceof Long || value instanceof Short || value instanceof Double || value instanceof Float) {
			return value;
		}
		if (value instanceof BigDecimal decimal) {
			return decimal.toPlainString();
		}
		if (value instanceof OffsetDateTime timestamp) {
			return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(timestamp);
		}
		if (value instanceof LocalDateTime timestamp) {
			return ChronoUnit.MICROS.between(Instant.EPOCH, timestamp.toInstant(ZoneOffset.UTC));
		}
		if (value instanceof LocalDate date) {
			return (int) date.toEpochDay();
		}
		if (value instanceof LocalTime time) {
			return time.toNanoOfDay() / 1_000;
		}
		if (value instanceof OffsetTime time) {
			return ZONED_TIME.format(time);
		}
		if (value instanceof byte[] bytes) {
			return Base64.getEncoder().encodeToString(bytes);
		}
		if (value instanceof UUID || value instanceof JsonNode) {
			return value.toString();
		}
		if (value instanceof List<?> list) {
			List<@Nullable Object> converted = new ArrayList<>(list.size());
			list.forEach((element) -> converted.add(value(element)));
			return converted;
		}
		return value.toString();
	}

}
