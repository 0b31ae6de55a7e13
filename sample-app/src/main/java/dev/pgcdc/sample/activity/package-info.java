/**
 * What the handlers did, shown on the page next to the raw changes.
 */
@NullMarked
package dev.pgcdc.sample.activity;

import org.jspecify.annotations.NullMarked;
