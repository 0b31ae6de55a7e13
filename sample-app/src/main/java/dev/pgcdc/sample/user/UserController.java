package dev.pgcdc.sample.user;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.pgcdc.sample.user.UserCache.CachedUser;

/**
 * The users of the page, served through the {@link UserCache}.
 */
@RestController
@RequestMapping("/api/users")
class UserController {

	private final UserRepository users;

	private final UserCache cache;

	UserController(UserRepository users, UserCache cache) {
		this.users = users;
		this.cache = cache;
	}

	@GetMapping
	List<CachedUser> list() {
		return this.cache.getAll();
	}

	@PostMapping
	ResponseEntity<Long> create(@RequestBody NewUser user) {
		return ResponseEntity.status(HttpStatus.CREATED).body(this.users.create(user.email(), user.name()));
	}

	@PatchMapping("/{id}")
	ResponseEntity<Void> update(@PathVariable long id, @RequestBody UserChange change) {
		boolean found = true;
		if (change.name() != null) {
			found = this.users.rename(id, change.name());
		}
		if (found && change.eventSubscribe() != null) {
			found = this.users.setEventSubscribe(id, change.eventSubscribe());
		}
		return found ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
	}

	@PostMapping("/{id}/touch")
	ResponseEntity<Void> touch(@PathVariable long id) {
		return this.users.touch(id) ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
	}

	@DeleteMapping("/{id}")
	ResponseEntity<Void> delete(@PathVariable long id) {
		return this.users.delete(id) ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
	}

	record NewUser(String email, String name) {
	}

	record UserChange(@Nullable String name, @Nullable Boolean eventSubscribe) {
	}

}
