package dev.pgcdc.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The pgcdc sample: users and todos as in the WalEx README, handlers for every kind of
 * change, and a page at {@code /} that shows the changes live. With no
 * {@code spring.datasource.url} it starts an embedded PostgreSQL of its own.
 */
@SpringBootApplication
public class SampleApplication {

	/**
	 * Run the sample.
	 * @param args command-line arguments, such as {@code --spring.profiles.active=external}
	 */
	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
