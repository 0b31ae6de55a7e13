package dev.pgcdc.autoconfigure;

import dev.pgcdc.replication.ChangeStream;

/**
 * Callback to customize the {@link ChangeStream.Builder} after the properties were applied,
 * for settings the properties do not cover. Beans of this type are applied in order.
 */
@FunctionalInterface
public interface CdcStreamCustomizer {

	/**
	 * Customize the builder.
	 * @param builder the builder, with the properties applied
	 */
	void customize(ChangeStream.Builder builder);

}
