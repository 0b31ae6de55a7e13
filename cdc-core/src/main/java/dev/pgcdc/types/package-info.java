/**
 * Value decoders by type OID, text and binary, and the registry that resolves unknown types.
 * <p>
 * Java types per PostgreSQL type ({@code T} = text format, {@code B} = binary format too):
 * <table>
 * <caption>Decoded values</caption>
 * <tr><th>PostgreSQL</th><th>Java</th><th>formats</th></tr>
 * <tr><td>int2, int4, int8</td><td>Short, Integer, Long</td><td>T B</td></tr>
 * <tr><td>oid</td><td>Long</td><td>T B</td></tr>
 * <tr><td>numeric</td><td>BigDecimal (scale as printed); NaN, ±Infinity as Double</td><td>T B</td></tr>
 * <tr><td>float4, float8</td><td>Float, Double (NaN, ±Infinity kept)</td><td>T B</td></tr>
 * <tr><td>bool</td><td>Boolean</td><td>T B</td></tr>
 * <tr><td>text, varchar, bpchar, name, "char", citext</td><td>String</td><td>T B</td></tr>
 * <tr><td>uuid</td><td>UUID</td><td>T B</td></tr>
 * <tr><td>date</td><td>LocalDate (±infinity: MAX/MIN; BC: proleptic year)</td><td>T B</td></tr>
 * <tr><td>time, timetz</td><td>LocalTime (24:00:00: MAX), OffsetTime</td><td>T B</td></tr>
 * <tr><td>timestamp</td><td>LocalDateTime (±infinity: MAX/MIN)</td><td>T B</td></tr>
 * <tr><td>timestamptz</td><td>OffsetDateTime at UTC (±infinity: OffsetDateTime.MAX/MIN)</td><td>T B</td></tr>
 * <tr><td>bytea</td><td>byte[]</td><td>T B</td></tr>
 * <tr><td>json, jsonb</td><td>Jackson 3 JsonNode (floats as BigDecimal; at most 1,000 levels deep)</td><td>T B</td></tr>
 * <tr><td>bit</td><td>bit(1): Boolean; longer: String of 0/1</td><td>T B</td></tr>
 * <tr><td>varbit</td><td>String of 0/1</td><td>T B</td></tr>
 * <tr><td>hstore</td><td>Map&lt;String, String&gt;</td><td>T B</td></tr>
 * <tr><td>arrays</td><td>unmodifiable List, nested per dimension, NULL elements null</td><td>T (B when the element has B)</td></tr>
 * <tr><td>enums</td><td>String</td><td>T B</td></tr>
 * <tr><td>domains</td><td>as their base type</td><td>as the base type</td></tr>
 * <tr><td>interval, money, inet, cidr, macaddr, xml, geometric, ranges, multiranges, tsvector,
 * composites, pg_lsn, unknown types</td><td>String as the server prints it</td><td>T</td></tr>
 * </table>
 * <p>
 * A value that is not in its type's format (malformed, truncated, more than six array
 * dimensions, a binary header that declares more than its bytes hold) fails with an
 * {@link java.lang.IllegalArgumentException} that names the type and its OID and never quotes
 * the value; no {@link java.lang.Error} escapes a decode.
 */
@NullMarked
package dev.pgcdc.types;

import org.jspecify.annotations.NullMarked;
