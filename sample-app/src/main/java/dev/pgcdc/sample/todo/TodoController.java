package dev.pgcdc.sample.todo;

import java.util.List;
import java.util.Optional;

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
import org.springframework.web.server.ResponseStatusException;

/**
 * The todo list of the page: list, add, toggle done, delete.
 */
@RestController
@RequestMapping("/api/todos")
class TodoController {

	private final TodoRepository todos;

	TodoController(TodoRepository todos) {
		this.todos = todos;
	}

	@GetMapping
	List<Todo> list() {
		return this.todos.findAll();
	}

	@PostMapping
	ResponseEntity<Long> create(@RequestBody NewTodo todo) {
		if (todo.title() == null || todo.title().isBlank()) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "A todo needs a title");
		}
		return this.todos.create(Optional.ofNullable(todo.userId()), todo.title().strip())
			.map((id) -> ResponseEntity.status(HttpStatus.CREATED).body(id))
			.orElseThrow(() -> new ResponseStatusException(HttpStatus.UNPROCESSABLE_CONTENT, "No such user"));
	}

	@PatchMapping("/{id}")
	ResponseEntity<Void> update(@PathVariable long id, @RequestBody TodoChange change) {
		return this.todos.setDone(id, change.done()) ? ResponseEntity.noContent().build()
				: ResponseEntity.notFound().build();
	}

	@DeleteMapping("/{id}")
	ResponseEntity<Void> delete(@PathVariable long id) {
		return this.todos.delete(id) ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
	}

	record NewTodo(@Nullable String title, @Nullable Long userId) {
	}

	record TodoChange(boolean done) {
	}

}
