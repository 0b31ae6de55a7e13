package dev.pgcdc.filter;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.EventPosition;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Source;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class FilterTests {

	static ChangeEvent event(Operation operation, Map<String, Object> newRow, Map<String, Object> oldRow) {
		Source source = new Source(Source.NAME, "17", "db", "public", "users", Map.of("id", "int4"));
		return ChangeEvent.of(operation, source, newRow, oldRow, Set.of(), Instant.EPOCH, "0/1", 1,
				EventPosition.of(1, 0));
	}

	static Map<String, Object> row(Object... pairs) {
		Map<String, Object> row = new LinkedHashMap<>();
		for (int i = 0; i < pairs.length; i += 2) {
			row.put((String) pairs[i], pairs[i + 1]);
		}
		return row;
	}

	@Test
	void parsesEveryForm() {
		assertThat(UnwatchedRecord.parse("event_subscribe = false"))
			.isEqualTo(new UnwatchedRecord("event_subscribe", UnwatchedRecord.Operator.EQUALS, false));
		assertThat(UnwatchedRecord.parse("n!=5")).isEqualTo(new UnwatchedRecord("n", UnwatchedRecord.Operator.NOT_EQUALS,
				new BigDecimal("5")));
		assertThat(UnwatchedRecord.parse("name <> 'it''s'").literal()).isEqualTo("it's");
		assertThat(UnwatchedRecord.parse("deleted_at IS NULL").operator()).isEqualTo(UnwatchedRecord.Operator.IS_NULL);
		assertThat(UnwatchedRecord.parse(" deleted_at is not null ").operator())
			.isEqualTo(UnwatchedRecord.Operator.IS_NOT_NULL);
		assertThat(UnwatchedRecord.parse("\"Mixed Case\" = 1").column()).isEqualTo("Mixed Case");
		assertThat(UnwatchedRecord.parse("name = 'a = b'").literal()).isEqualTo("a = b");
	}

	@Test
	void rejectsBadEntriesWithTheEntryNamed() {
		assertThatIllegalArgumentException().isThrownBy(() -> UnwatchedRecord.parse("event_subscribe"))
			.withMessageContaining("'event_subscribe'")
			.withMessageContaining("column = literal");
		assertThatIllegalArgumentException().isThrownBy(() -> UnwatchedRecord.parse("name = bob"))
			.withMessageContaining("'quoted string'");
		assertThatIllegalArgumentException().isThrownBy(() -> UnwatchedRecord.parse("name = 'it's'"))
			.withMessageContaining("double a quote");
	}

	@Test
	void comparesLiteralsWithDecodedValuesSensibly() {
		assertThat(UnwatchedRecord.parse("flag = false").matches(row("flag", false))).isTrue();
		assertThat(UnwatchedRecord.parse("flag = false").matches(row("flag", true))).isFalse();
		assertThat(UnwatchedRecord.parse("flag = 'false'").matches(row("flag", false))).isTrue();
		assertThat(UnwatchedRecord.parse("flag = false").matches(row("flag", "false"))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 5").matches(row("n", 5))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 5").matches(row("n", 5L))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 5").matches(row("n", (short) 5))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 5").matches(row("n", new BigDecimal("5.00")))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 1.1").matches(row("n", 1.1f))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 5").matches(row("n", "5"))).isTrue();
		assertThat(UnwatchedRecord.parse("n = '5'").matches(row("n", 5))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 5").matches(row("n", 6))).isFalse();
		assertThat(UnwatchedRecord.parse("n = 5").matches(row("n", "five"))).isFalse();
		UUID id = UUID.randomUUID();
		assertThat(UnwatchedRecord.parse("id = '" + id + "'").matches(row("id", id))).isTrue();
		assertThat(UnwatchedRecord.parse("state = 'archived'").matches(row("state", "archived"))).isTrue();
	}

	@Test
	void nullAndMissingColumns() {
		Map<String, Object> nullRow = new HashMap<>();
		nullRow.put("n", null);
		assertThat(UnwatchedRecord.parse("n is null").matches(nullRow)).isTrue();
		assertThat(UnwatchedRecord.parse("n is not null").matches(nullRow)).isFalse();
		assertThat(UnwatchedRecord.parse("n = 5").matches(nullRow)).isFalse();
		assertThat(UnwatchedRecord.parse("n != 5").matches(nullRow)).isTrue();
		assertThat(UnwatchedRecord.parse("n is null").matches(row("other", 1))).isFalse();
		assertThat(UnwatchedRecord.parse("n != 5").matches(row("other", 1))).isFalse();
	}

	@Test
	void unwatchedRecordsTestTheNewRowOrTheOldRowForDelete() {
		EventFilter filter = EventFilter.of(List.of(), List.of("event_subscribe = false"), List.of(), "");
		assertThat(filter.accepts(event(Operation.INSERT, row("id", 1, "event_subscribe", false), null))).isFalse();
		assertThat(filter.accepts(event(Operation.INSERT, row("id", 1, "event_subscribe", true), null))).isTrue();
		assertThat(filter.accepts(event(Operation.UPDATE, row("id", 1, "event_subscribe", true),
				row("id", 1, "event_subscribe", false)))).isTrue();
		assertThat(filter.accepts(event(Operation.DELETE, null, row("id", 1, "event_subscribe", false)))).isFalse();
		assertThat(filter.accepts(event(Operation.TRUNCATE, null, null))).isTrue();
	}

	@Test
	void unwatchedFieldsSkipUpdatesThatChangedOnlyThem() {
		EventFilter filter = EventFilter.of(List.of(), List.of(), List.of("updated_at", "todos_count"), "");
		assertThat(filter.accepts(event(Operation.UPDATE, row("id", 1, "updated_at", 2, "name", "a"),
				row("id", 1, "updated_at", 1, "name", "a")))).isFalse();
		assertThat(filter.accepts(event(Operation.UPDATE, row("id", 1, "updated_at", 2, "name", "b"),
				row("id", 1, "updated_at", 1, "name", "a")))).isTrue();
		// old values unknown (REPLICA IDENTITY DEFAULT): changes() is empty, nothing proves it is unwatched
		assertThat(filter.accepts(event(Operation.UPDATE, row("id", 1, "updated_at", 2), null))).isTrue();
		assertThat(filter.accepts(event(Operation.INSERT, row("id", 1, "updated_at", 2), null))).isTrue();
	}

	@Test
	void operationsRestrictTheEvents() {
		EventFilter filter = EventFilter.of(List.of(Operation.DELETE), List.of(), List.of(), "");
		assertThat(filter.accepts(event(Operation.DELETE, null, row("id", 1)))).isTrue();
		assertThat(filter.accepts(event(Operation.INSERT, row("id", 1), null))).isFalse();
		assertThat(filter.columns()).isEmpty();
		assertThat(EventFilter.of(List.of(), List.of("a = 1", "b is null"), List.of("c"), "").columns())
			.containsExactly("a", "b", "c");
	}

	@Test
	void integralValuesCompareWithNumericLiteralsByValue() {
		UnwatchedRecord five = UnwatchedRecord.parse("n = 5");
		assertThat(five.matches(row("n", 5))).isTrue();
		assertThat(five.matches(row("n", 5L))).isTrue();
		assertThat(five.matches(row("n", (short) 5))).isTrue();
		assertThat(five.matches(row("n", 6))).isFalse();
		assertThat(five.matches(row("n", 5.0))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 5.0").matches(row("n", 5))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 5.5").matches(row("n", 5))).isFalse();
		assertThat(UnwatchedRecord.parse("n = -9223372036854775808").matches(row("n", Long.MIN_VALUE))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 18446744073709551616").matches(row("n", 0L))).isFalse();
		assertThat(UnwatchedRecord.parse("n = 5e1").matches(row("n", 50))).isTrue();
		assertThat(UnwatchedRecord.parse("n != 5").matches(row("n", 5))).isFalse();
		assertThat(UnwatchedRecord.parse("n != 5").matches(row("n", 7))).isTrue();
		// a string literal compares with numbers by value, read once when parsed
		assertThat(UnwatchedRecord.parse("n = '5.0'").matches(row("n", 5))).isTrue();
		assertThat(UnwatchedRecord.parse("n = ' 7 '").matches(row("n", 7L))).isTrue();
		assertThat(UnwatchedRecord.parse("n = '7.5'").matches(row("n", 7.5))).isTrue();
		assertThat(UnwatchedRecord.parse("n = '7.5'").matches(row("n", 7))).isFalse();
		assertThat(UnwatchedRecord.parse("n = 'seven'").matches(row("n", 7))).isFalse();
		assertThat(UnwatchedRecord.parse("n = 'seven'").matches(row("n", "seven"))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 7").matches(row("n", new BigInteger("7")))).isTrue();
		assertThat(UnwatchedRecord.parse("n = 7").matches(row("n", true))).isFalse();
	}

	@Test
	void conditionsSeeNewAndOldRowsAndVariables() {
		ChangeEvent update = event(Operation.UPDATE, row("id", 1, "done", true), row("id", 1, "done", false));
		assertThat(EventCondition.parse("#new['done'] == true").matches(update)).isTrue();
		assertThat(EventCondition.parse("#new.done and !#old.done").matches(update)).isTrue();
		assertThat(EventCondition.parse("#old['done'] == true").matches(update)).isFalse();
		assertThat(EventCondition.parse("#op == 'UPDATE' and #table == 'users' and #schema == 'public'").matches(update))
			.isTrue();
		assertThat(EventCondition.parse("#event.xid == 1").matches(update)).isTrue();
		assertThat(EventCondition.parse("#old == null").matches(event(Operation.INSERT, row("id", 1), null))).isTrue();
		assertThat(EventCondition.parse("#new['missing']").matches(update)).isFalse();
	}

	@Test
	void conditionsReadingARowThatIsNotThereAreFalseNotErrors() {
		ChangeEvent delete = event(Operation.DELETE, null, row("id", 1, "done", true));
		assertThat(EventCondition.parse("#new['done'] == true").matches(delete)).isFalse();
		assertThat(EventCondition.parse("#new.done == true").matches(delete)).isFalse();
		assertThat(EventCondition.parse("#old['done'] == true").matches(delete)).isTrue();
		assertThat(EventCondition.parse("#old['done'] == true").matches(event(Operation.INSERT, row("id", 1), null)))
			.isFalse();
	}

	@Test
	void conditionsAreReadOnlyAndSandboxed() {
		ChangeEvent update = event(Operation.UPDATE, row("id", 1, "done", true), row("id", 1, "done", false));
		assertThatIllegalStateException().isThrownBy(() -> EventCondition.parse("#new['id']").matches(update))
			.withMessageContaining("must give a boolean");
		// what the read-only context allows keeps working: properties, indexes, selections, operators
		assertThat(EventCondition.parse("#event.source.table == 'users' and #event.changes.empty == false"
				+ " and #event.newRecord['id'] between {0, 2} and #event.lsn matches '0/.*'").matches(update)).isTrue();
		assertThat(EventCondition.parse("#new.?[value == true] != null and {1, 2}[0] == 1").matches(update)).isTrue();
	}

	@Test
	void constructsTheReadOnlyContextCannotRunFailWhenParsed() {
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("T(java.lang.System).exit(1) == null"))
			.withMessageContaining("Invalid SpEL condition \"T(java.lang.System).exit(1) == null\"")
			.withMessageContaining("type reference T(java.lang.System) at position 0, method call exit(1) at position 20"
					+ " are not allowed")
			.withMessageContaining("read columns and properties instead");
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("#event.toString() != null"))
			.withMessageContaining("method call toString() at position 7 is not allowed");
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("#op.toUpperCase() == 'UPDATE'"))
			.withMessageContaining("method call toUpperCase()");
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("@someBean != null"))
			.withMessageContaining("bean reference @someBean");
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("&someFactory != null"))
			.withMessageContaining("bean reference &someFactory");
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("new String('x') == #new['name']"))
			.withMessageContaining("constructor new String('x')");
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("#new['id'] instanceof T(Integer)"))
			.withMessageContaining("type reference T(Integer)");
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("#check(#new) == true"))
			.withMessageContaining("function call #check(#new)");
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("(#new['done'] = false) == false"))
			.withMessageContaining("assignment #new['done']=false");
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("#new['n']++ > 0"))
			.withMessageContaining("increment #new['n']++");
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("--#new['n'] > 0"))
			.withMessageContaining("decrement --#new['n']");
		// never evaluated at run time, still refused: the condition is wrong whatever the rows
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("true or #new.keySet() != null"))
			.withMessageContaining("method call keySet()");
	}

	@Test
	void aConditionEvaluatedAgainSeesOnlyTheCurrentEvent() {
		EventCondition condition = EventCondition.parse("#old == null and #new['done'] == true");
		assertThat(condition.matches(event(Operation.UPDATE, row("id", 1, "done", true), row("id", 1, "done", false))))
			.isFalse();
		assertThat(condition.matches(event(Operation.INSERT, row("id", 2, "done", true), null))).isTrue();
		assertThat(condition.matches(event(Operation.INSERT, row("id", 3, "done", false), null))).isFalse();
		// no state carried from one event to the next through variables: assigning one fails start-up
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("(#seen = true) == true"))
			.withMessageContaining("assignment #seen=true");
	}

	@Test
	void conditionFailuresNameTheConditionAndTheErrorTypeButNoRowValue() {
		String secret = "secret-value-123";
		ChangeEvent insert = event(Operation.INSERT, row("id", 1, "secret", secret, "pattern", secret + "[", "list",
				List.of(1), "index", 987654321), null);
		// ConversionFailedException ... for value [secret-value-123]
		assertThat(failure("#new['secret'] and true", insert)).contains("#new['secret'] and true",
				"INSERT on public.users (xid 1, lsn 0/1)", "org.springframework.expression.spel.SpelEvaluationException",
				"EL1001E", "cannot convert from java.lang.String to java.lang.Boolean",
				"org.springframework.core.convert.ConversionFailedException")
			.doesNotContain(secret);
		assertThat(failure("!#new['secret']", insert)).doesNotContain(secret);
		// SpEL's own message quotes the pattern, a row value
		assertThat(failure("'x' matches #new['pattern']", insert)).contains("EL1018E").doesNotContain(secret);
		// and the index, a row value
		assertThat(failure("#new['list'][#new['index']] == 1", insert)).contains("EL1025E").doesNotContain("987654321");
		// not a SpEL exception at all: the type only
		assertThat(failure("#new['id'] / 0 == 1", insert)).contains("java.lang.ArithmeticException");
		assertThat(failure("#new['secret']", insert)).contains("must give a boolean", "java.lang.String")
			.doesNotContain(secret);
	}

	/** Everything a logger would print for the failure: message, causes, suppressed. */
	private static String failure(String condition, ChangeEvent event) {
		EventCondition parsed = EventCondition.parse(condition);
		ConditionEvaluationException failure = catchThrowableOfType(ConditionEvaluationException.class,
				() -> parsed.matches(event));
		assertThat(failure).as(condition).isNotNull();
		assertThat(failure.getCondition()).isEqualTo(condition);
		StringWriter printed = new StringWriter();
		failure.printStackTrace(new PrintWriter(printed));
		return printed.toString();
	}

	@Test
	void aConditionEvaluatesOnSeveralThreadsAtOnce() throws Exception {
		EventCondition condition = EventCondition.parse("#new['done'] == true and #op == 'INSERT'");
		ChangeEvent done = event(Operation.INSERT, row("id", 1, "done", true), null);
		ChangeEvent notDone = event(Operation.INSERT, row("id", 2, "done", false), null);
		int threads = 4;
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<Integer>> wrong = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				wrong.add(executor.submit(() -> {
					start.await();
					int mismatches = 0;
					for (int i = 0; i < 20_000; i++) {
						boolean even = (i % 2) == 0;
						if (condition.matches(even ? done : notDone) != even) {
							mismatches++;
						}
					}
					return mismatches;
				}));
			}
			start.countDown();
			for (Future<Integer> mismatches : wrong) {
				assertThat(mismatches.get(60, TimeUnit.SECONDS)).isZero();
			}
		}
		finally {
			executor.shutdownNow();
		}
	}

	@Test
	void conditionsThatDoNotParseFailWithTheText() {
		assertThatIllegalArgumentException().isThrownBy(() -> EventCondition.parse("#new['done' =="))
			.withMessageContaining("#new['done' ==");
	}

}
