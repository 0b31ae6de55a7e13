package dev.pgcdc.replication;

import dev.pgcdc.stream.BatchHandler;
import dev.pgcdc.stream.TableInfo;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.pgcdc.event.TableName;
import dev.pgcdc.types.TypeRegistry;
import org.jspecify.annotations.Nullable;
import org.springframework.util.backoff.BackOff;

/**
 * The frozen configuration of one {@link ChangeStream}, as the builder collected it.
 *
 * @param url the JDBC URL
 * @param username the user, or {@code null} for the URL's
 * @param password the password, or {@code null}
 * @param applicationName the name shown in {@code pg_stat_activity}
 * @param tables the tables subscribed at start
 * @param replicaIdentity the replica identity for tables without their own
 * @param tableIdentities per-table replica identities
 * @param publication the publication name
 * @param publicationMode how the publication is treated
 * @param slot the replication slot name
 * @param durable whether the slot is permanent
 * @param batchSize the largest number of events in one batch
 * @param queueCapacity the number of batches queued between reader and dispatcher
 * @param statusInterval how often standby status updates are sent
 * @param startupWait how long {@code start()} waits for the first session before going on in the background
 * @param backOff the reconnect back-off
 * @param listeners told about state changes
 * @param startupCheck extra checks of the subscribed tables, or {@code null}
 * @param handler receives the batches
 * @param streaming whether to ask the server to stream large in-progress transactions
 * @param binary whether to ask for binary values where every column type allows it
 * @param types decodes column values; {@code null} for one backed by the server's catalog
 */
record StreamSettings(String url, @Nullable String username, @Nullable String password, String applicationName,
		List<TableName> tables, ReplicaIdentity replicaIdentity, Map<TableName, ReplicaIdentity> tableIdentities,
		String publication, PublicationMode publicationMode, String slot, boolean durable, int batchSize,
		int queueCapacity, Duration statusInterval, Duration startupWait, BackOff backOff, List<StreamListener> listeners,
		@Nullable Consumer<Collection<TableInfo>> startupCheck, BatchHandler handler, boolean streaming, boolean binary,
		@Nullable TypeRegistry types) {

	/**
	 * @param table a table
	 * @return the replica identity to apply to it
	 */
	ReplicaIdentity identityOf(TableName table) {
		return this.tableIdentities.getOrDefault(table, this.replicaIdentity);
	}

	/** @return a description of where the stream connects, without credentials */
	String describe() {
		int query = this.url.indexOf('?');
		return ((query >= 0) ? this.url.substring(0, query) : this.url)
				+ ((this.username != null) ? " as " + this.username : "");
	}

	/** Everything but the password, which must never reach a log. */
	@Override
	public String toString() {
		return "StreamSettings[" + describe() + ", slot=" + this.slot
				+ ", durable=" + this.durable + ", publication=" + this.publication + ", tables=" + this.tables + "]";
	}

}
