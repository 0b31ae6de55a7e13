package dev.pgcdc.autoconfigure;

import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

import dev.pgcdc.dispatch.HandlerRegistry;
import dev.pgcdc.event.TableName;
import dev.pgcdc.kafka.KafkaRelay;
import dev.pgcdc.kafka.ProducerRequirements;
import dev.pgcdc.kafka.RelayFormat;
import dev.pgcdc.kafka.TopicPattern;
import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.stream.CdcConfigurationException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Auto-configuration of the relay to Kafka ({@code cdc.kafka.enabled=true}, module
 * {@code cdc-kafka} and spring-kafka on the class path): every change of the subscribed tables is
 * published with the producer configuration of the application's {@code KafkaTemplate}, and a
 * transaction is acknowledged to PostgreSQL only after the broker acknowledged all its records.
 * The annotated handlers run after the relay, on the same batches. While the broker does not
 * acknowledge, the relay sends again with the {@code cdc.reconnect.*} back-off.
 */
@AutoConfiguration(after = CdcAutoConfiguration.class,
		afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
@ConditionalOnClass(ChangeStream.class)
@ConditionalOnBooleanProperty(name = "cdc.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "cdc.kafka.enabled", havingValue = "true")
public final class CdcKafkaAutoConfiguration {

	/** {@code cdc.kafka.enabled=true} without spring-kafka: fail start-up saying what to add. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass("org.springframework.kafka.core.KafkaTemplate")
	static class MissingSpringKafka {

		MissingSpringKafka() {
			throw missing("spring-kafka", "spring-boot-starter-kafka");
		}

	}

	/** {@code cdc.kafka.enabled=true} without the relay module: fail start-up saying what to add. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass("dev.pgcdc.kafka.KafkaRelay")
	static class MissingRelayModule {

		MissingRelayModule() {
			throw missing("cdc-kafka", "dev.pgcdc:cdc-kafka");
		}

	}

	static InvalidConfigurationPropertyValueException missing(String library, String dependency) {
		return new InvalidConfigurationPropertyValueException("cdc.kafka.enabled", true, "the relay needs " + library
				+ " on the class path: add " + dependency + " to the application's dependencies (the relay needs"
				+ " dev.pgcdc:cdc-kafka and spring-boot-starter-kafka), or set cdc.kafka.enabled=false");
	}

	/** The relay. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ KafkaTemplate.class, KafkaRelay.class })
	static class Relay {

		@Bean
		@ConditionalOnMissingBean
		KafkaRelay cdcKafkaRelay(CdcProperties properties, Environment environment,
				ObjectProvider<KafkaTemplate<?, ?>> templates) {
			KafkaTemplate<?, ?> template = templates.getIfUnique();
			if (template == null) {
				throw new InvalidConfigurationPropertyValueException("cdc.kafka.enabled", true,
						"the relay publishes with the application's KafkaTemplate and there is "
								+ (templates.stream().findAny().isPresent() ? "more than one (mark one @Primary)"
										: "none: add spring-boot-starter-kafka and set spring.kafka.bootstrap-servers, or define"
												+ " a KafkaTemplate bean")
								+ "; or set cdc.kafka.enabled=false");
			}
			checkProducer(template);
			CdcProperties.Kafka kafka = properties.getKafka();
			String applicationName = environment.getProperty("spring.application.name");
			TopicPattern topics = topics(kafka.getTopic(), applicationName);
			String messagesTopic = kafka.getMessagesTopic();
			if (messagesTopic != null) {
				try {
					TopicPattern.of(messagesTopic);
				}
				catch (IllegalArgumentException ex) {
					throw new InvalidConfigurationPropertyValueException("cdc.kafka.messages-topic", messagesTopic,
							ex.getMessage());
				}
			}
			CdcProperties.Reconnect reconnect = properties.getReconnect();
			ExponentialBackOff backOff = new ExponentialBackOff(reconnect.getInitialInterval().toMillis(),
					reconnect.getMultiplier());
			backOff.setMaxInterval(reconnect.getMaxInterval().toMillis());
			RelayFormat format = switch (kafka.getFormat()) {
				case JSON -> RelayFormat.JSON;
				case DEBEZIUM -> RelayFormat.DEBEZIUM;
			};
			if (kafka.getMaxInFlight() < 1) {
				throw new InvalidConfigurationPropertyValueException("cdc.kafka.max-in-flight", kafka.getMaxInFlight(),
						"at least one record must be allowed to wait for the broker; the default is 10000");
			}
			return KafkaRelay.create(KafkaRelay.producerFor(template), format, topics, messagesTopic,
					(applicationName != null) ? applicationName : "pgcdc", backOff, kafka.getMaxInFlight());
		}

		@Bean
		CdcStreamCustomizer cdcKafkaRelayCustomizer(KafkaRelay relay, CdcProperties properties, HandlerRegistry registry,
				Environment environment) {
			return (builder) -> {
				// at start, once every handler is registered: a table whose name makes no valid topic fails start-up
				Set<TableName> tables = new LinkedHashSet<>(registry.tables());
				properties.getTables().forEach((table) -> tables.add(TableName.parse(table)));
				TopicPattern topics = topics(properties.getKafka().getTopic(),
						environment.getProperty("spring.application.name"));
				for (TableName table : tables) {
					try {
						topics.topic(table);
					}
					catch (CdcConfigurationException ex) {
						throw new InvalidConfigurationPropertyValueException("cdc.kafka.topic", topics.toString(),
								ex.getMessage());
					}
				}
				builder.relay(relay);
			};
		}

		static TopicPattern topics(@org.jspecify.annotations.Nullable String configured,
				@org.jspecify.annotations.Nullable String applicationName) {
			String pattern = (configured != null) ? configured
					: ((applicationName != null) ? applicationName : "cdc") + "." + TopicPattern.SCHEMA + "." + TopicPattern.TABLE;
			try {
				return TopicPattern.of(pattern);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidConfigurationPropertyValueException("cdc.kafka.topic", pattern,
						ex.getMessage() + ((configured == null) ? " (the default is derived from spring.application.name: set"
								+ " cdc.kafka.topic)" : ""));
			}
		}

		private static void checkProducer(KafkaTemplate<?, ?> template) {
			Optional<ProducerRequirements.Violation> violation = ProducerRequirements
				.check(template.getProducerFactory().getConfigurationProperties())
				.or(() -> ProducerRequirements.checkTransactions(template.getProducerFactory().getTransactionIdPrefix()));
			violation.ifPresent((problem) -> {
				String property = switch (problem.setting()) {
					case "acks" -> "spring.kafka.producer.acks";
					case "transaction-id-prefix" -> "spring.kafka.producer.transaction-id-prefix";
					default -> "spring.kafka.producer.properties[" + problem.setting() + "]";
				};
				throw new InvalidConfigurationPropertyValueException(property, problem.value(),
						"cdc.kafka.enabled=true: " + problem.fix());
			});
		}
	}

}
