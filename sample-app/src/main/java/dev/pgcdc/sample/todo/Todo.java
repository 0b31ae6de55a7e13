package dev.pgcdc.sample.todo;

import java.time.OffsetDateTime;

/**
 * A row of {@code todos}, with its owner's name for the page.
 *
 * @param id the id
 * @param userId the owner
 * @param owner the owner's name
 * @param title what to do
 * @param done whether it is done
 * @param updatedAt when it last changed
 */
public record Todo(long id, long userId, String owner, String title, boolean done, OffsetDateTime updatedAt) {
}
