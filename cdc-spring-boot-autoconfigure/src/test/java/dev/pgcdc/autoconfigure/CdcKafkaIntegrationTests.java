package dev.pgcdc.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.CdcSubscriptions;
import dev.pgcdc.annotation.OnInsert;
import dev.pgcdc.kafka.KafkaRelay;
import dev.pgcdc.test.TestDatabase;
import dev.pgcdc.test.TestPostgres;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import dev.pgcdc.autoconfigure.metrics.CdcMetricsAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay in a Spring Boot application on a real broker and PostgreSQL: the changes of the
 * subscribed tables and the logical messages reach their topics through the application's Kafka
 * configuration ({@code spring.kafka.*}), while its annotated handlers still run.
 */
class CdcKafkaIntegrationTests {

	private static TestDatabase database;

	private static EmbeddedKafkaKraftBroker broker;

	@BeforeAll
	static void start() {
		database = TestPostgres.createDatabase("spring_kafka");
		database.execute("CREATE TABLE widgets (id int PRIMARY KEY, name text)", "CREATE TABLE \"odd table\" (id int PRIMARY KEY)");
		broker = new EmbeddedKafkaKraftBroker(1, 2);
		broker.afterPropertiesSet();
	}

	@AfterAll
	static void stop() {
		database.close();
		broker.destroy();
	}

	private static ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, CdcKafkaAutoConfiguration.class,
					KafkaAutoConfiguration.class, JacksonAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=" + database.jdbcUrl(),
					"spring.datasource.username=" + database.username(),
					"spring.datasource.password=" + database.password(), "spring.application.name=shop",
					"spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(), "cdc.kafka.enabled=true");
	}

	@Test
	void relaysChangesAndMessagesWhileTheHandlersRun() {
		runner().withUserConfiguration(Handlers.class).withPropertyValues("cdc.kafka.messages-topic=shop.outbox")
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, CdcMetricsAutoConfiguration.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> {
				CdcHandlersIntegrationTests.awaitStreaming(context);
				database.execute("INSERT INTO widgets VALUES (1, 'a'), (2, 'b')",
						"SELECT pg_logical_emit_message(true, 'outbox', '{\"order\": 7}')",
						"UPDATE widgets SET name = 'c' WHERE id = 1");
				assertThat(context.getBean(CdcSubscriptions.class).awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
				assertThat(context.getBean(Handlers.class).inserted).containsExactly(1, 2);
				assertThat(context.getBean(KafkaRelay.class).relayed()).isEqualTo(4);
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get("cdc.kafka.records").functionCounter().count()).isEqualTo(4);
				assertThat(meters.get("cdc.kafka.retries").functionCounter().count()).isZero();
			});
		List<ConsumerRecord<String, String>> records = read("shop.public.widgets", 3);
		assertThat(records).extracting(ConsumerRecord::key).containsOnly("{\"id\":1}", "{\"id\":2}");
		assertThat(records).extracting(ConsumerRecord::value)
			.anySatisfy((value) -> assertThat(value).contains("\"operation\":\"UPDATE\"", "\"name\":\"c\""));
		List<ConsumerRecord<String, String>> messages = read("shop.outbox", 1);
		assertThat(messages.get(0).key()).isEqualTo("\"outbox\"");
		assertThat(messages.get(0).value()).contains("\"prefix\":\"outbox\"", "\"content\":\"{\\\"order\\\": 7}\"");
		assertThat(messages.get(0).headers().lastHeader(KafkaRelay.XID_HEADER)).isNotNull();
	}

	@Test
	void aTableWhoseNameMakesNoValidTopicFailsStartUpNamingTheProperty() {
		runner().withPropertyValues("cdc.tables=public.\"odd table\"").run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			while (failure != null && !(failure instanceof InvalidConfigurationPropertyValueException)) {
				failure = failure.getCause();
			}
			assertThat(failure).isInstanceOf(InvalidConfigurationPropertyValueException.class);
			assertThat(((InvalidConfigurationPropertyValueException) failure).getName()).isEqualTo("cdc.kafka.topic");
			assertThat(failure.getMessage()).contains("shop.public.odd table", "rename the table");
		});
	}

	private static List<ConsumerRecord<String, String>> read(String topic, int count) {
		Map<String, Object> config = new HashMap<>();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
		config.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + topic);
		config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		List<ConsumerRecord<String, String>> records = new ArrayList<>();
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new StringDeserializer())) {
			consumer.subscribe(List.of(topic));
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			while (records.size() < count && System.nanoTime() < deadline) {
				consumer.poll(Duration.ofMillis(200)).forEach(records::add);
			}
		}
		assertThat(records).hasSize(count);
		assertThat(new String(records.get(0).headers().lastHeader(KafkaRelay.LSN_HEADER).value(), StandardCharsets.UTF_8))
			.contains("/");
		return records;
	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		final List<Integer> inserted = Collections.synchronizedList(new ArrayList<>());

		@OnInsert(table = "widgets")
		void inserted(Map<String, Object> row) {
			this.inserted.add((Integer) row.get("id"));
		}

	}

}
