/**
 * Event filters evaluated before a handler's arguments are bound: WalEx's unwatched records
 * and unwatched fields, and SpEL conditions evaluated in a read-only context.
 */
@NullMarked
package dev.pgcdc.filter;

import org.jspecify.annotations.NullMarked;
