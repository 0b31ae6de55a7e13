/**
 * Runtime control of the change stream: {@link dev.pgcdc.CdcSubscriptions}.
 */
@NullMarked
package dev.pgcdc;

import org.jspecify.annotations.NullMarked;
