package dev.pgcdc.kafka;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A KRaft broker in a JVM of its own, for the relay benchmark (cdc-benchmarks'
 * {@code relay-benchmark.sh} starts it): the benchmark's JVM has Debezium's Kafka 4.3 jars, the
 * broker Spring Boot's 4.2. Prints {@code READY <bootstrap servers>} and runs until its standard
 * input closes or it is killed.
 * <p>
 * Arguments: {@code <port (0: any free one)> [partitions (default 3)]}.
 */
public final class StandaloneBroker {

	private StandaloneBroker() {
	}

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		int partitions = (args.length > 1) ? Integer.parseInt(args[1]) : 3;
		EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, partitions);
		if (port > 0) {
			broker.kafkaPorts(port);
		}
		broker.brokerProperty("num.partitions", partitions);
		broker.afterPropertiesSet();
		Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy));
		System.out.println("READY " + broker.getBrokersAsString());
		System.out.flush();
		while (System.in.read() >= 0) {
			// runs until stdin closes
		}
		broker.destroy();
	}

}
