/**
 * The live feed: every change and logical message, pushed to the page with server-sent events.
 */
@NullMarked
package dev.pgcdc.sample.feed;

import org.jspecify.annotations.NullMarked;
