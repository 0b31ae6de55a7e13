package dev.pgcdc.autoconfigure;

import dev.pgcdc.kafka.KafkaRelay;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.core.KafkaTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cdc.kafka.*}: the relay is there only when asked for, and every bad configuration fails
 * start-up naming the property and the fix. Nothing here connects (the producer is created on
 * the first send, the stream not started).
 */
class CdcKafkaAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, CdcKafkaAutoConfiguration.class,
				KafkaAutoConfiguration.class, JacksonAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false",
				"spring.kafka.bootstrap-servers=localhost:1", "spring.application.name=shop");

	@Test
	void offByDefault() {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(KafkaRelay.class));
	}

	@Test
	void enabledRelaysWithTheApplicationsTemplate() {
		this.contextRunner.withPropertyValues("cdc.kafka.enabled=true", "cdc.kafka.format=debezium")
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(KafkaRelay.class)
				.hasBean("cdcKafkaRelayCustomizer"));
	}

	@Test
	void withoutAKafkaTemplateFailsNamingTheProperty() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, CdcKafkaAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false",
					"cdc.kafka.enabled=true")
			.run((context) -> assertFailed(context, "cdc.kafka.enabled", "there is none",
					"add spring-boot-starter-kafka", "cdc.kafka.enabled=false"));
	}

	@Test
	void withoutSpringKafkaFailsNamingTheProperty() {
		new ApplicationContextRunner().withClassLoader(new FilteredClassLoader(KafkaTemplate.class))
			.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, CdcKafkaAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false",
					"cdc.kafka.enabled=true")
			.run((context) -> assertFailed(context, "cdc.kafka.enabled", "spring-boot-starter-kafka"));
	}

	@Test
	void withoutSpringKafkaAndNotEnabledNothingHappens() {
		new ApplicationContextRunner().withClassLoader(new FilteredClassLoader(KafkaTemplate.class))
			.withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class, CdcKafkaAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost:1/app", "cdc.auto-startup=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(KafkaRelay.class));
	}

	@Test
	void unknownFormatFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("cdc.kafka.enabled=true", "cdc.kafka.format=avro")
			.run((context) -> {
				// Boot's failure analyzer reports the property, the value and the valid values from this
				assertThat(context).hasFailed();
				Throwable failure = context.getStartupFailure();
				while (failure != null && !(failure instanceof BindException)) {
					failure = failure.getCause();
				}
				assertThat(failure).isInstanceOf(BindException.class);
				BindException bind = (BindException) failure;
				assertThat(bind.getProperty().getName()).hasToString("cdc.kafka.format");
				assertThat(bind.getProperty().getValue()).isEqualTo("avro");
			});
	}

	@Test
	void topicPatternGivingAnInvalidTopicFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("cdc.kafka.enabled=true", "cdc.kafka.topic=changes/{schema}/{table}")
			.run((context) -> assertFailed(context, "cdc.kafka.topic", "Kafka rejects", "letters, digits"));
	}

	@Test
	void defaultTopicFromAnApplicationNameKafkaRejectsFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("cdc.kafka.enabled=true", "spring.application.name=my shop")
			.run((context) -> assertFailed(context, "cdc.kafka.topic", "spring.application.name", "set cdc.kafka.topic"));
	}

	@Test
	void invalidMessagesTopicFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("cdc.kafka.enabled=true", "cdc.kafka.messages-topic=out box")
			.run((context) -> assertFailed(context, "cdc.kafka.messages-topic", "Kafka rejects"));
	}

	@Test
	void maxInFlightIsTheRelaysBound() {
		this.contextRunner.withPropertyValues("cdc.kafka.enabled=true", "cdc.kafka.max-in-flight=250")
			.run((context) -> assertThat(context.getBean(KafkaRelay.class).maxInFlight()).isEqualTo(250));
		this.contextRunner.withPropertyValues("cdc.kafka.enabled=true")
			.run((context) -> assertThat(context.getBean(KafkaRelay.class).maxInFlight())
				.isEqualTo(KafkaRelay.DEFAULT_MAX_IN_FLIGHT));
	}

	@Test
	void maxInFlightBelowOneFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("cdc.kafka.enabled=true", "cdc.kafka.max-in-flight=0")
			.run((context) -> assertFailed(context, "cdc.kafka.max-in-flight", "at least one record"));
	}

	@Test
	void producerWithoutAcksAllFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("cdc.kafka.enabled=true", "spring.kafka.producer.acks=1")
			.run((context) -> assertFailed(context, "spring.kafka.producer.acks", "acks=all"));
	}

	@Test
	void producerWithoutIdempotenceFailsNamingTheProperty() {
		this.contextRunner
			.withPropertyValues("cdc.kafka.enabled=true", "spring.kafka.producer.properties[enable.idempotence]=false")
			.run((context) -> assertFailed(context, "spring.kafka.producer.properties[enable.idempotence]",
					"idempotent producer"));
	}

	@Test
	void transactionalProducerFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("cdc.kafka.enabled=true", "spring.kafka.producer.transaction-id-prefix=tx-")
			.run((context) -> assertFailed(context, "spring.kafka.producer.transaction-id-prefix",
					"non-transactional KafkaTemplate"));
	}

	private static void assertFailed(AssertableApplicationContext context, String property, String... fix) {
		assertThat(context).hasFailed();
		Throwable failure = context.getStartupFailure();
		while (failure != null
				&& !(failure instanceof org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException)) {
			failure = failure.getCause();
		}
		assertThat(failure).as(String.valueOf(context.getStartupFailure()))
			.isInstanceOf(org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException.class);
		var invalid = (org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException) failure;
		assertThat(invalid.getName()).isEqualTo(property);
		assertThat(invalid.getMessage()).contains(fix);
	}

}
