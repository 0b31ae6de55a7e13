/**
 * Runtime control of the subscriptions and a view of the stream, for the page.
 */
@NullMarked
package dev.pgcdc.sample.control;

import org.jspecify.annotations.NullMarked;
