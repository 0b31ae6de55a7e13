/**
 * Changes made by "another client": plain JDBC on a connection of its own, to show CDC sees every writer.
 */
@NullMarked
package dev.pgcdc.sample.client;

import org.jspecify.annotations.NullMarked;
