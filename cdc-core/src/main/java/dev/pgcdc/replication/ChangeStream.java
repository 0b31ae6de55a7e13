package dev.pgcdc.replication;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.function.Consumer;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TableName;
import org.jspecify.annotations.Nullable;
import org.springframework.util.backoff.BackOff;

/**
 * A running logical replication consumer: the plain Java entry point, usable without Spring.
 * <pre>{@code
 * try (ChangeStream stream = ChangeStream.builder()
 *         .url("jdbc:postgresql://localhost/app").username("app").password("secret")
 *         .tables("users", "todos")
 *         .onEvent(event -> System.out.println(event))
 *         .start()) {
 *     ...
 * }
 * }</pre>
 * <p>
 * STUB: the public surface the Spring layer codes against; the replication work fills it in.
 */
public final class ChangeStream implements AutoCloseable {

	/** @return a new builder */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Prepare (server checks, tables, publication, replica identity) and start streaming on a
	 * thread of its own. Configuration errors are thrown here; an unreachable server is not an
	 * error: the stream retries in the background with back-off.
	 * @return this stream
	 * @throws CdcConfigurationException for a problem retrying cannot fix
	 */
	public ChangeStream start() {
		throw new UnsupportedOperationException("not yet");
	}

	/** Stop streaming and wait until the reader and dispatcher threads have ended. */
	public void stop() {
		throw new UnsupportedOperationException("not yet");
	}

	/**
	 * Stop streaming asynchronously.
	 * @param callback run once both threads have ended
	 */
	public void stop(Runnable callback) {
		throw new UnsupportedOperationException("not yet");
	}

	@Override
	public void close() {
		stop();
	}

	/** @return whether the stream was started and not stopped */
	public boolean isRunning() {
		throw new UnsupportedOperationException("not yet");
	}

	/** @return the current state */
	public StreamState state() {
		throw new UnsupportedOperationException("not yet");
	}

	/** @return a snapshot of the stream */
	public StreamStatus status() {
		throw new UnsupportedOperationException("not yet");
	}

	/** @return the subscribed tables */
	public Set<TableName> tables() {
		throw new UnsupportedOperationException("not yet");
	}

	/**
	 * Add a table to the publication (applying its replica identity) while streaming.
	 * @param table the table
	 * @return the table as found in the catalog
	 * @throws CdcConfigurationException if the table does not exist
	 */
	public TableInfo addTable(TableName table) {
		throw new UnsupportedOperationException("not yet");
	}

	/**
	 * Remove a table from the publication while streaming.
	 * @param table the table
	 */
	public void removeTable(TableName table) {
		throw new UnsupportedOperationException("not yet");
	}

	/** Builds a {@link ChangeStream}. */
	public static final class Builder {

		Builder() {
		}

		/** @param url the JDBC URL ({@code jdbc:postgresql://...}) @return this */
		public Builder url(String url) {
			return this;
		}

		/** @param username the user (needs REPLICATION) @return this */
		public Builder username(@Nullable String username) {
			return this;
		}

		/** @param password the password @return this */
		public Builder password(@Nullable String password) {
			return this;
		}

		/** @param tables tables to subscribe, as {@link TableName#parse} reads them @return this */
		public Builder tables(String... tables) {
			return this;
		}

		/** @param tables tables to subscribe @return this */
		public Builder tables(Collection<TableName> tables) {
			return this;
		}

		/** @param identity replica identity for every table (default FULL) @return this */
		public Builder replicaIdentity(ReplicaIdentity identity) {
			return this;
		}

		/** @param table a table @param identity its replica identity @return this */
		public Builder replicaIdentity(TableName table, ReplicaIdentity identity) {
			return this;
		}

		/** @param name the publication name (default {@code cdc_publication}) @return this */
		public Builder publication(String name) {
			return this;
		}

		/** @param mode AUTO (default) or EXISTING @return this */
		public Builder publicationMode(PublicationMode mode) {
			return this;
		}

		/** @param name the slot name (default derived, with a per-instance suffix when temporary) @return this */
		public Builder slot(String name) {
			return this;
		}

		/** @param durable whether the slot is permanent (default false: temporary) @return this */
		public Builder durable(boolean durable) {
			return this;
		}

		/** @param size the largest number of events in one batch (default 1024) @return this */
		public Builder batchSize(int size) {
			return this;
		}

		/** @param capacity the number of batches queued between reader and dispatcher (default 16) @return this */
		public Builder queueCapacity(int capacity) {
			return this;
		}

		/** @param interval how often standby status updates are sent (default 10s) @return this */
		public Builder statusInterval(Duration interval) {
			return this;
		}

		/** @param backOff reconnect back-off (default exponential, 1s to 30s, unlimited) @return this */
		public Builder backOff(BackOff backOff) {
			return this;
		}

		/** @param listener told about state changes @return this */
		public Builder listener(StreamListener listener) {
			return this;
		}

		/**
		 * @param check called during start-up with every subscribed table; throw a
		 * {@link CdcConfigurationException} to fail start-up (used to check filter columns)
		 * @return this
		 */
		public Builder startupCheck(Consumer<Collection<TableInfo>> check) {
			return this;
		}

		/** @param handler receives batches @return this */
		public Builder handler(BatchHandler handler) {
			return this;
		}

		/** @param consumer receives each row change (logical messages are ignored) @return this */
		public Builder onEvent(Consumer<ChangeEvent> consumer) {
			return this;
		}

		/** @return a new, not yet started stream */
		public ChangeStream build() {
			throw new UnsupportedOperationException("not yet");
		}

		/** @return a new stream, started */
		public ChangeStream start() {
			return build().start();
		}

	}

}
