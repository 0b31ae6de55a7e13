package dev.pgcdc.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.pgcdc.replication.StreamLag;
import org.junit.jupiter.api.Test;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LagCacheTests {

	private final SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("lag-test-");

	@Test
	void aBlockingMeasurementDoesNotBlockTheReaderAndRunsOnce() throws Exception {
		LagCache cache = new LagCache(this.executor, Duration.ZERO, Clock.systemUTC());
		Object stream = new Object();
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger measurements = new AtomicInteger();
		StreamLag measured = new StreamLag(42L, Duration.ofMillis(7));
		Supplier<StreamLag> blocking = () -> {
			measurements.incrementAndGet();
			try {
				release.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return measured;
		};
		// the server does not answer: readers get the last known value straight away
		assertThat(cache.get(stream, blocking)).isEqualTo(StreamLag.UNKNOWN);
		assertThat(cache.get(stream, blocking)).isEqualTo(StreamLag.UNKNOWN);
		await().untilAsserted(() -> assertThat(measurements).hasValue(1));
		assertThat(cache.get(stream, blocking)).isEqualTo(StreamLag.UNKNOWN);
		assertThat(measurements).as("one measurement at a time").hasValue(1);
		release.countDown();
		await().untilAsserted(() -> assertThat(cache.get(stream, blocking)).isEqualTo(measured));
	}

	@Test
	void aFreshValueIsReusedAndANewStreamStartsAfresh() {
		LagCache cache = new LagCache(Runnable::run, Duration.ofHours(1), Clock.systemUTC());
		AtomicInteger measurements = new AtomicInteger();
		Supplier<StreamLag> measure = () -> new StreamLag((long) measurements.incrementAndGet(), null);
		Object first = new Object();
		assertThat(cache.get(first, measure).bytes()).isEqualTo(1L);
		assertThat(cache.get(first, measure).bytes()).isEqualTo(1L);
		assertThat(cache.get(new Object(), measure).bytes()).isEqualTo(2L);
	}

}
