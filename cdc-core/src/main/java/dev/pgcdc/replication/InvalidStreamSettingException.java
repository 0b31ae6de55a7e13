package dev.pgcdc.replication;

import dev.pgcdc.stream.CdcConfigurationException;
import org.jspecify.annotations.Nullable;

/**
 * A {@link StreamSettings} value is invalid. Carries the setting's name (as the builder method
 * is called) so that the Spring Boot starter can name the matching property instead.
 */
public class InvalidStreamSettingException extends CdcConfigurationException {

	private final String setting;

	private final @Nullable Object value;

	private final String rule;

	/**
	 * @param setting the setting, as the {@link ChangeStreamBuilder} method is called
	 * @param value the invalid value (never a password)
	 * @param rule what the value must be
	 */
	public InvalidStreamSettingException(String setting, @Nullable Object value, String rule) {
		super("Invalid change stream setting " + setting + " = " + value + ": " + rule);
		this.setting = setting;
		this.value = value;
		this.rule = rule;
	}

	/** @return the setting, as the builder method is called */
	public String setting() {
		return this.setting;
	}

	/** @return the invalid value */
	public @Nullable Object value() {
		return this.value;
	}

	/** @return what the value must be */
	public String rule() {
		return this.rule;
	}

}
