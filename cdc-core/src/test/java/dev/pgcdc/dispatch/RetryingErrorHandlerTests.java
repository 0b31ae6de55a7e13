package dev.pgcdc.dispatch;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.filter.EventFilter;
import dev.pgcdc.stream.DatabaseUnavailableException;
import org.junit.jupiter.api.Test;

import static dev.pgcdc.dispatch.HandlerMulticasterTests.batch;
import static dev.pgcdc.dispatch.HandlerMulticasterTests.event;
import static dev.pgcdc.dispatch.HandlerMulticasterTests.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What a {@link RetryingErrorHandler} failure may say: the stream's error names the handler's
 * exception type, never its message, which may quote row values.
 */
class RetryingErrorHandlerTests {

	private final HandlerRegistry registry = new HandlerRegistry();

	private final AtomicInteger calls = new AtomicInteger();

	private final AtomicInteger deadLetters = new AtomicInteger();

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

	@Test
	void aDatabaseThatIsShuttingDownIsNeitherRetriedNorSkipped() throws Exception {
		this.registry.register(new HandlerDefinition("sink", "handlers", this,
				RetryingErrorHandlerTests.class.getDeclaredMethod("databaseGoingAway", ChangeEvent.class), 0, Set.of(),
				EventFilter.acceptAll(), null));
		// SKIP with three retries: the transaction is neither retried in place nor dead-lettered
		HandlerMulticaster multicaster = new HandlerMulticaster(this.registry,
				HandlerMulticaster.retryPolicy(3, Duration.ofMillis(1), 1, Duration.ofMillis(1)), ErrorPolicy.SKIP,
				(failure) -> this.deadLetters.incrementAndGet());
		assertThatExceptionOfType(DatabaseUnavailableException.class)
			.isThrownBy(() -> multicaster.handle(batch(3, true, true,
					event("users", Operation.INSERT, row("id", 1, "email", "ada@example.com"), null, 3))))
			.withMessageContaining("handler 'sink'")
			.withMessageContaining("is delivered again after reconnecting")
			.withMessageNotContaining("ada@example.com")
			.havingCause()
			.isInstanceOf(SQLException.class);
		assertThat(this.calls).hasValue(1);
		assertThat(this.deadLetters).hasValue(0);
	}

	@Test
	void aRetryThatFindsTheDatabaseGoneEndsTheRetries() throws Exception {
		this.registry.register(new HandlerDefinition("sink", "handlers", this,
				RetryingErrorHandlerTests.class.getDeclaredMethod("failsThenDatabaseGoesAway", ChangeEvent.class), 0,
				Set.of(), EventFilter.acceptAll(), null));
		HandlerMulticaster multicaster = new HandlerMulticaster(this.registry,
				HandlerMulticaster.retryPolicy(5, Duration.ofMillis(1), 1, Duration.ofMillis(1)), ErrorPolicy.STOP, null);
		assertThatExceptionOfType(DatabaseUnavailableException.class).isThrownBy(() -> multicaster
			.handle(batch(3, true, true, event("users", Operation.INSERT, row("id", 1), null, 3))));
		assertThat(this.calls).hasValue(2);
	}

	@Test
	void recognisesUnavailableDatabasesByTheirSqlState() {
		assertThat(DatabaseUnavailableException.causedBy(new SQLException("terminating", "57P01"))).isTrue();
		assertThat(DatabaseUnavailableException.causedBy(new SQLException("starting up", "57P03"))).isTrue();
		assertThat(DatabaseUnavailableException
			.causedBy(new IllegalStateException("wrapped", new SQLException("I/O error", "08006")))).isTrue();
		SQLException batch = new SQLException("batch entry failed", "25P02");
		batch.setNextException(new SQLException("terminating", "57P01"));
		assertThat(DatabaseUnavailableException.causedBy(batch)).isTrue();
		assertThat(DatabaseUnavailableException.causedBy(new SQLException("protocol violation", "08P01"))).isFalse();
		assertThat(DatabaseUnavailableException.causedBy(new SQLException("duplicate key", "23505"))).isFalse();
		assertThat(DatabaseUnavailableException.causedBy(new SQLException("database dropped", "57P04"))).isFalse();
		assertThat(DatabaseUnavailableException.causedBy(new IllegalStateException("no SQL"))).isFalse();
	}

	void databaseGoingAway(ChangeEvent event) throws SQLException {
		this.calls.incrementAndGet();
		throw new SQLException("FATAL: terminating connection due to administrator command", "57P01");
	}

	void failsThenDatabaseGoesAway(ChangeEvent event) throws SQLException {
		if (this.calls.incrementAndGet() == 1) {
			throw new IllegalStateException("first attempt");
		}
		throw new SQLException("FATAL: the database system is shutting down", "57P03");
	}

	void failing(ChangeEvent event) {
		throw new IllegalStateException("duplicate email " + event.newRecord().get("email"));
	}

}
