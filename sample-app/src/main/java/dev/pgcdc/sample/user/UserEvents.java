package dev.pgcdc.sample.user;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Component;

import dev.pgcdc.annotation.OnDelete;
import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.annotation.OnUpdate;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.sample.activity.ActivityLog;

/**
 * The handlers of the WalEx README's user module: a welcome message for new users, cache
 * eviction when a user really changed, and clean-up when users go.
 */
@Component
class UserEvents {

	private final UserCache cache;

	private final ActivityLog activity;

	UserEvents(UserCache cache, ActivityLog activity) {
		this.cache = cache;
		this.activity = activity;
	}

	/** A new user, bound to the {@link User} record, gets a welcome message. */
	@OnInsert(table = "users")
	void welcome(User user) {
		this.activity.record("welcome", "Welcome, " + user.name() + "! (message sent to " + user.email() + ")");
	}

	/**
	 * Evict a user whose data changed. A change of only {@code updated_at} or
	 * {@code todos_count} (both kept by triggers) is not news, and users with
	 * {@code event_subscribe = false} are left alone, as WalEx's filters do.
	 */
	@OnUpdate(table = "users", unwatchedFields = { "updated_at", "todos_count" },
			unwatchedRecords = "event_subscribe = false")
	void changed(ChangeEvent event) {
		long id = idOf(event);
		boolean evicted = this.cache.evict(id);
		this.activity.record("cache", (evicted ? "evicted" : "nothing cached for") + " user " + id + ", changed "
				+ event.changes().keySet());
	}

	/** Every user deleted by one transaction, in one call. */
	@OnDelete(table = "users")
	void removed(List<ChangeEvent> events) {
		events.forEach((event) -> this.cache.evict(idOf(event)));
		this.activity.record("cleanup", events.size() + " user(s) deleted in transaction " + events.get(0).xid());
	}

	/** The user's id: from the new row, or the old row of a DELETE (never null for users). */
	private static long idOf(ChangeEvent event) {
		Map<String, @Nullable Object> row = Objects.requireNonNull(event.record(), "row");
		return ((Number) Objects.requireNonNull(row.get("id"), "id")).longValue();
	}

}
