package dev.pgcdc.sample.user;

import java.time.OffsetDateTime;

/**
 * A row of {@code users}. Handlers receive it bound from the change event (snake_case
 * columns to these camelCase components), the REST API reads it with JDBC.
 *
 * @param id the id
 * @param email the e-mail address
 * @param name the display name
 * @param eventSubscribe whether change handlers that honour it should react to this user
 * @param todosCount how many todos the user has (kept by a trigger)
 * @param createdAt when the user was created
 * @param updatedAt when the user last changed (kept by a trigger)
 */
public record User(long id, String email, String name, boolean eventSubscribe, int todosCount,
		OffsetDateTime createdAt, OffsetDateTime updatedAt) {
}
