package dev.pgcdc.sample.todo;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Component;

import dev.pgcdc.annotation.OnEvent;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.sample.activity.ActivityLog;

/**
 * Handlers of {@code todos}: a SpEL-filtered one for finished todos, and one that sees each
 * transaction's todo changes together.
 */
@Component
class TodoEvents {

	private final ActivityLog activity;

	TodoEvents(ActivityLog activity) {
		this.activity = activity;
	}

	/**
	 * Runs only for rows whose new {@code done} is true: the condition filters the rest (on a
	 * DELETE there is no new row, so the condition is false).
	 */
	@OnEvent(table = "todos", condition = "#new['done'] == true")
	void done(ChangeEvent event) {
		Map<String, @Nullable Object> todo = Objects.requireNonNull(event.newRecord(), "the condition needs a new row");
		this.activity.record("done", "Todo #" + todo.get("id") + " \"" + todo.get("title") + "\" is done");
	}

	/**
	 * Every todo change of one committed transaction in one call, in commit order: a bulk
	 * update arrives as one list, not as many calls.
	 */
	@OnEvent(table = "todos")
	void transaction(List<ChangeEvent> events) {
		Map<String, Long> counts = events.stream()
			.collect(Collectors.groupingBy((event) -> event.operation().name(), TreeMap::new, Collectors.counting()));
		this.activity.record("batch", "Transaction " + events.get(0).xid() + " changed " + events.size()
				+ " todo(s): " + counts);
	}

}
