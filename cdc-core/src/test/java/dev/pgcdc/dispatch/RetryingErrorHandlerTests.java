package dev.pgcdc.dispatch;

import java.time.Duration;
import java.util.Set;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.filter.EventFilter;
import org.junit.jupiter.api.Test;

import static dev.pgcdc.dispatch.HandlerMulticasterTests.batch;
import static dev.pgcdc.dispatch.HandlerMulticasterTests.event;
import static dev.pgcdc.dispatch.HandlerMulticasterTests.row;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What a {@link RetryingErrorHandler} failure may say: the stream's error names the handler's
 * exception type, never its message, which may quote row values.
 */
class RetryingErrorHandlerTests {

	private final HandlerRegistry registry = new HandlerRegistry();

	@Test
	void stopMessagesNameTheCauseTypeButNotItsMessage() throws Exception {
		this.registry.register(new HandlerDefinition("failing", "handlers", this,
				RetryingErrorHandlerTests.class.getDeclaredMethod("failing", ChangeEvent.class), 0, Set.of(),
				EventFilter.acceptAll(), null));
		HandlerMulticaster multicaster = new HandlerMulticaster(this.registry,
				HandlerMulticaster.retryPolicy(1, Duration.ofMillis(1), 1, Duration.ofMillis(1)), ErrorPolicy.STOP, null);
		assertThatExceptionOfType(HandlerFailedException.class)
			.isThrownBy(() -> multicaster.handle(batch(3, true, true,
					event("users", Operation.INSERT, row("id", 1, "email", "ada@example.com"), null, 3))))
			.withMessageContaining("after 2 attempts; error policy STOP")
			.withMessageEndingWith("Cause: java.lang.IllegalStateException")
			.withMessageNotContaining("ada@example.com")
			.havingCause()
			.withMessageContaining("ada@example.com");
	}

	void failing(ChangeEvent event) {
		throw new IllegalStateException("duplicate email " + event.newRecord().get("email"));
	}

}
