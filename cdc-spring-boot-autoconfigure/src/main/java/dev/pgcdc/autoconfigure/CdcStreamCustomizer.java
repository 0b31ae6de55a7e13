package dev.pgcdc.autoconfigure;

import dev.pgcdc.replication.ChangeStream;
import dev.pgcdc.replication.ChangeStreamBuilder;

/**
 * Callback to customize the {@link ChangeStreamBuilder} after the properties were applied,
 * for settings the properties do not cover. Beans of this type are applied in order.
 */
@FunctionalInterface
public interface CdcStreamCustomizer {

	/**
	 * Customize the builder.
	 * @param builder the builder, with the properties applied
	 */
	void customize(ChangeStreamBuilder builder);

}
