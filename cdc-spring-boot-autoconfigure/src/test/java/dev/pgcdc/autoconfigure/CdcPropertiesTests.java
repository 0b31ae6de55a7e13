package dev.pgcdc.autoconfigure;

import java.time.Duration;

import dev.pgcdc.dispatch.HandlerMulticaster;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.ChangeStreamBuilder;
import dev.pgcdc.replication.StreamSettings;
import org.junit.jupiter.api.Test;
import org.springframework.test.util.ReflectionTestUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.backoff.ExponentialBackOff;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The property defaults are the core's defaults, so leaving a property out and setting it to
 * its documented default behave the same.
 */
class CdcPropertiesTests {

	private final CdcProperties properties = new CdcProperties();

	@Test
	void streamDefaultsEqualTheBuilderDefaults() {
		ChangeStreamBuilder builder = ChangeStream.builder();
		assertThat(this.properties.getBatchSize()).isEqualTo(ReflectionTestUtils.getField(builder, "batchSize"));
		assertThat(this.properties.getQueueCapacity()).isEqualTo(ReflectionTestUtils.getField(builder, "queueCapacity"));
		assertThat(this.properties.getStatusInterval())
			.isEqualTo(ReflectionTestUtils.getField(builder, "statusInterval"));
		assertThat(this.properties.getStartupWait()).isEqualTo(StreamSettings.DEFAULT_STARTUP_WAIT);
		assertThat(this.properties.getShutdownTimeout()).isEqualTo(StreamSettings.DEFAULT_SHUTDOWN_TIMEOUT);
		assertThat(this.properties.getReplicaIdentity())
			.isEqualTo(ReflectionTestUtils.getField(builder, "replicaIdentity"));
		assertThat(this.properties.getPublication().getMode())
			.isEqualTo(ReflectionTestUtils.getField(builder, "publicationMode"));
		assertThat(this.properties.getSlot().isDurable()).isEqualTo(ReflectionTestUtils.getField(builder, "durable"));
		assertThat(this.properties.getSlot().isFailover()).isEqualTo(ReflectionTestUtils.getField(builder, "failover"));
		assertThat(this.properties.getSlot().getOnInvalidated())
			.isEqualTo(ReflectionTestUtils.getField(builder, "onInvalidated"));
		assertThat(this.properties.getHeartbeat().getInterval())
			.isEqualTo(ReflectionTestUtils.getField(builder, "heartbeatInterval"));
		assertThat(this.properties.getHeartbeat().getActionQuery())
			.isEqualTo(ReflectionTestUtils.getField(builder, "heartbeatActionQuery"));
	}

	@Test
	void snapshotDefaultsEqualTheCoreDefaults() {
		dev.pgcdc.snapshot.SnapshotOptions defaults = dev.pgcdc.snapshot.SnapshotOptions.defaults();
		assertThat(this.properties.getSnapshot().getMode()).isEqualTo(defaults.mode());
		assertThat(this.properties.getSnapshot().getChunkSize()).isEqualTo(defaults.chunkSize());
		assertThat(this.properties.getSnapshot().getProgressTable()).isEqualTo(defaults.progressTable());
		assertThat(new CdcProperties.Table().isSnapshot()).isTrue();
	}

	@Test
	void reconnectDefaultsEqualTheBuilderBackOff() {
		var method = ReflectionUtils.findMethod(ChangeStreamBuilder.class, "defaultBackOff");
		ReflectionUtils.makeAccessible(method);
		ExponentialBackOff backOff = (ExponentialBackOff) ReflectionUtils.invokeMethod(method, null);
		CdcProperties.Reconnect reconnect = this.properties.getReconnect();
		assertThat(reconnect.getInitialInterval()).isEqualTo(Duration.ofMillis(backOff.getInitialInterval()));
		assertThat(reconnect.getMultiplier()).isEqualTo(backOff.getMultiplier());
		assertThat(reconnect.getMaxInterval()).isEqualTo(Duration.ofMillis(backOff.getMaxInterval()));
	}

	@Test
	void retryDefaultsEqualTheMulticasterDefaults() {
		CdcProperties.Retry retry = this.properties.getRetry();
		assertThat(retry.getMaxRetries()).isEqualTo(HandlerMulticaster.DEFAULT_MAX_RETRIES);
		assertThat(retry.getDelay()).isEqualTo(HandlerMulticaster.DEFAULT_RETRY_DELAY);
		assertThat(retry.getMultiplier()).isEqualTo(HandlerMulticaster.DEFAULT_RETRY_MULTIPLIER);
		assertThat(retry.getMaxDelay()).isEqualTo(HandlerMulticaster.DEFAULT_RETRY_MAX_DELAY);
		assertThat(this.properties.isEnabled()).isTrue();
		assertThat(this.properties.isAutoStartup()).isTrue();
		assertThat(this.properties.getErrorPolicy()).as("derived from the slot kind").isNull();
	}

	@Test
	void offsetsDefaultToTheServerAndTheCoresTableName() {
		assertThat(this.properties.getOffsets().getStore()).isEqualTo(CdcProperties.Offsets.Store.SERVER);
		assertThat(this.properties.getOffsets().getTable()).isEqualTo(dev.pgcdc.offsets.JdbcOffsetStore.DEFAULT_TABLE);
	}

	@Test
	void dispatchDefaultsToTheCoresOneThread() {
		assertThat(this.properties.getDispatch().getConcurrency())
			.isEqualTo(dev.pgcdc.replication.StreamSettings.DEFAULT_CONCURRENCY);
	}

}
