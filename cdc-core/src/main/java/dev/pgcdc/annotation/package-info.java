/**
 * The handler annotations ({@link dev.pgcdc.annotation.OnEvent} and the operations composed
 * from it, {@link dev.pgcdc.annotation.OnMessage}) and the post-processor that finds them.
 */
@NullMarked
package dev.pgcdc.annotation;

import org.jspecify.annotations.NullMarked;
