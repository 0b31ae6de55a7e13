package dev.pgcdc.sample;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * The whole sample app on a random port, on its own embedded PostgreSQL (the same code path
 * as {@code spring-boot:run}) with a fresh, temporary cluster on any free port. Every test
 * class with this annotation shares one application context and so one server.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sample.embedded-postgres.temporary=true", "sample.embedded-postgres.port=0" })
public @interface SampleAppTest {

}
