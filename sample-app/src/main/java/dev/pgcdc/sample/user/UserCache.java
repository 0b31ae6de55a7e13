package dev.pgcdc.sample.user;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.springframework.stereotype.Component;

/**
 * A read-through cache of users, as an application would keep in front of its database.
 * Entries never expire by time: they stay until a change event evicts them, so the page shows
 * exactly what CDC did (and a stale name when a filter told the handler to look away).
 * <p>
 * Kept simple on purpose: a load that reads a row just before an update commits, and stores
 * it just after that update's eviction, keeps the old copy. A production cache would compare
 * {@code updated_at} or version its entries.
 */
@Component
public class UserCache {

	private final UserRepository users;

	private final ConcurrentMap<Long, CachedUser> entries = new ConcurrentHashMap<>();

	UserCache(UserRepository users) {
		this.users = users;
	}

	/**
	 * @param id the user
	 * @return the cached user, loaded from the database on a miss
	 */
	public Optional<CachedUser> get(long id) {
		CachedUser cached = this.entries.get(id);
		if (cached != null) {
			return Optional.of(cached);
		}
		return this.users.findById(id).map((user) -> this.entries.computeIfAbsent(id, (key) -> new CachedUser(user, Instant.now())));
	}

	/** @return every user, through the cache */
	public List<CachedUser> getAll() {
		List<CachedUser> all = new ArrayList<>();
		for (long id : this.users.findIds()) {
			get(id).ifPresent(all::add);
		}
		return all;
	}

	/**
	 * @param id the user
	 * @return whether the user is cached now
	 */
	public boolean contains(long id) {
		return this.entries.containsKey(id);
	}

	/**
	 * @param id the user to forget
	 * @return whether there was an entry
	 */
	public boolean evict(long id) {
		return this.entries.remove(id) != null;
	}

	/**
	 * A cache entry.
	 * @param user the user as loaded
	 * @param cachedAt when it was loaded
	 */
	public record CachedUser(User user, Instant cachedAt) {
	}

}
