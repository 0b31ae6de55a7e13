package dev.pgcdc.sample.todo;

import dev.pgcdc.live.LiveQueries;
import dev.pgcdc.live.Shape;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * One user's todo list as a live query (live.html): the current todos, then every change to
 * them as server-sent events; a todo moved to another user leaves this list and enters that one.
 */
@RestController
class LiveTodoController {

	private final LiveQueries liveQueries;

	LiveTodoController(LiveQueries liveQueries) {
		this.liveQueries = liveQueries;
	}

	@GetMapping(path = "/api/todos/live", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	SseEmitter live(@RequestParam long user) {
		return this.liveQueries.sse(Shape.of("todos").where("user_id", user).columns("title", "done"));
	}

}
