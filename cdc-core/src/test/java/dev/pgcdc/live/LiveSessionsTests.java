package dev.pgcdc.live;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@link LiveSessions} with a transport of the test's own: its locks, its dead connections. */
class LiveSessionsTests {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = TestPostgres.createDatabase("live_sessions");
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Test
	void endCallbackRunByTheTransportUnderItsWriteLockDoesNotDeadlockWithASend() throws Exception {
		Shape shape = LiveFixture.ownedTable(database, "locked");
		// not closed when deadlocked: closing would wait for the session forever
		LiveFixture fixture = new LiveFixture(database, LiveFixture.RETAINED, "locked");
		// as Spring MVC's emitter: a send takes the write lock, and the emitter runs its
		// error callbacks holding it
		Transport transport = new Transport();
		fixture.live.sessions().open(shape, null, transport);
		await().atMost(LiveFixture.TIMEOUT).until(() -> transport.sent.size() == 1);

		CountDownLatch locked = new CountDownLatch(1);
		Thread container = new Thread(() -> {
			transport.writeLock.lock();
			try {
				locked.countDown();
				// a delivery worker is inside the session, waiting for this lock
				await().atMost(LiveFixture.TIMEOUT).until(transport.writeLock::hasQueuedThreads);
				Runnable callback = transport.onEnd;
				if (callback != null) {
					callback.run();
				}
			}
			finally {
				transport.writeLock.unlock();
			}
		}, "container");
		container.start();
		assertThat(locked.await(1, TimeUnit.MINUTES)).isTrue();
		database.execute("INSERT INTO locked VALUES (2, 1)");
		container.join(TimeUnit.SECONDS.toMillis(30));
		assertThat(container.isAlive()).as("the callback returned (else the transport and a worker deadlocked)")
			.isFalse();
		// the change got through, then the session was detached and retained
		await().atMost(LiveFixture.TIMEOUT).until(() -> fixture.live.status().sseRetained() == 1);
		assertThat(transport.sent).extracting(LiveSessions.Event::name).containsExactly("snapshot", "change");
		assertThat(fixture.live.status().sseClients()).isZero();
		fixture.close();
	}

	@Test
	void reconnectTakesOverAnAttachedSessionOnlyWhenItsConnectionIsDead() throws Exception {
		Shape shape = LiveFixture.ownedTable(database, "halfopen");
		try (LiveFixture fixture = new LiveFixture(database, LiveFixture.RETAINED, "halfopen")) {
			Transport old = new Transport();
			fixture.live.sessions().open(shape, null, old);
			await().atMost(LiveFixture.TIMEOUT).until(() -> old.sent.size() == 1);
			String snapshotId = old.sent.get(0).id();

			// the old connection is alive: a client with the same id is another client
			Transport other = new Transport();
			fixture.live.sessions().open(shape, snapshotId, other);
			await().atMost(LiveFixture.TIMEOUT).until(() -> other.sent.size() == 2);
			assertThat(other.sent).extracting(LiveSessions.Event::name).containsExactly("reset", "snapshot");
			assertThat(old.completed).isFalse();

			// the old connection died without the server noticing: the browser's reconnect resumes it
			old.dead = true;
			Transport reconnected = new Transport();
			fixture.live.sessions().open(shape, snapshotId, reconnected);
			assertThat(old.completed).isTrue();
			database.execute("INSERT INTO halfopen VALUES (2, 1)");
			await().atMost(LiveFixture.TIMEOUT).until(() -> reconnected.sent.size() == 1);
			assertThat(reconnected.sent).extracting(LiveSessions.Event::name).containsExactly("change");
			assertThat(fixture.live.openQueries()).isEqualTo(2);
		}
	}

	/** A connection: a write lock around each send, like Spring MVC's emitter. */
	private static final class Transport implements LiveSessions.Outlet {

		final ReentrantLock writeLock = new ReentrantLock();

		final List<LiveSessions.Event> sent = new CopyOnWriteArrayList<>();

		volatile @Nullable Runnable onEnd;

		volatile boolean dead;

		volatile boolean completed;

		@Override
		public boolean send(LiveSessions.Event event) {
			this.writeLock.lock();
			try {
				if (this.dead) {
					return false;
				}
				this.sent.add(event);
				return true;
			}
			finally {
				this.writeLock.unlock();
			}
		}

		@Override
		public boolean heartbeat() {
			return !this.dead;
		}

		@Override
		public void complete() {
			this.completed = true;
		}

		@Override
		public void onEnd(Runnable callback) {
			this.onEnd = callback;
		}

	}

}
