package dev.pgcdc.sample.outbox;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;

import dev.pgcdc.annotation.OnMessage;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.sample.activity.ActivityLog;

/**
 * Reacts to outbox messages, from this app ({@link Nudges}) or from any client that runs
 * {@code SELECT pg_logical_emit_message(true, 'outbox', '{"type": "..."}')}.
 */
@Component
class OutboxReactions {

	private final JsonMapper json;

	private final ActivityLog activity;

	OutboxReactions(JsonMapper json, ActivityLog activity) {
		this.json = json;
		this.activity = activity;
	}

	@OnMessage(prefix = Nudges.OUTBOX)
	void react(LogicalMessage message) {
		String content = message.contentAsString();
		try {
			JsonNode body = this.json.readTree(content);
			String type = body.path("type").asString("(no type)");
			this.activity.record("outbox", "\"" + type + "\" handed to the notification service " + body);
		}
		catch (JacksonException ex) {
			// a message is input from any client: report it, never stop the stream for it
			this.activity.record("outbox", "ignored a message that is not JSON: " + content);
		}
	}

}
