package dev.pgcdc.replication;

import dev.pgcdc.stream.TableInfo;
import dev.pgcdc.stream.CdcConfigurationException;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import dev.pgcdc.event.TableName;
import dev.pgcdc.replication.TableResolver.ResolvedTable;

/**
 * The server-side preparation of a stream, on a plain connection: check the server, resolve
 * the tables (and run the builder's start-up check), decide the replica identity and
 * publication changes (refusing what cannot work), then make them and create the durable slot;
 * and the same steps for one table added or removed while streaming.
 */
final class StartupSequence {

	private final StreamSettings settings;

	private final ConnectionFactory connections;

	private final PublicationManager publication;

	private final ReplicaIdentityManager identities;

	private final SlotManager slots;

	StartupSequence(StreamSettings settings, ConnectionFactory connections) {
		this.settings = settings;
		this.connections = connections;
		this.publication = new PublicationManager(settings.publication(), settings.publicationMode());
		this.identities = new ReplicaIdentityManager(settings::identityOf);
		// an initial snapshot is recorded before the slot exists: a crash in between cannot lose it
		this.slots = new SlotManager(settings.slot(),
				() -> settings.listeners().forEach((listener) -> listener.newSlot(true)),
				() -> settings.listeners().forEach(StreamListener::slotRecreated));
	}

	/**
	 * @param tables the subscribed tables
	 * @return what was learned about the server
	 * @throws SQLException if the server cannot be reached or fails
	 * @throws CdcConfigurationException for a problem retrying cannot fix
	 */
	ServerInfo prepare(Collection<TableName> tables) throws SQLException {
		try (Connection connection = this.connections.admin()) {
			ServerInfo info = ServerCheck.check(connection, this.settings.slot(), this.settings.durable());
			if (this.settings.failover() && !info.supportsFailover()) {
				throw new CdcConfigurationException("cdc.slot.failover=true (failover(true)) needs PostgreSQL 17 or newer,"
						+ " but the server runs " + info.version() + ": set cdc.slot.failover=false, or upgrade the server"
						+ " (failover slots and their synchronization to standbys came with PostgreSQL 17).");
			}
			List<ResolvedTable> resolved = TableResolver.resolve(connection, tables);
			if (this.settings.startupCheck() != null) {
				List<TableInfo> infos = new ArrayList<>();
				resolved.forEach((table) -> infos.add(table.info()));
				this.settings.startupCheck().accept(infos);
			}
			// everything that can be refused is refused before the first change: a start-up that fails
			// leaves replica identities and the publication as they were
			List<ReplicaIdentityManager.Change> identityChanges = this.identities.plan(resolved, info.user());
			PublicationManager.Change publicationChange = this.publication.plan(connection, resolved);
			this.identities.apply(connection, identityChanges, info.user());
			this.publication.apply(connection, publicationChange);
			if (this.settings.durable()) {
				this.slots.ensureDurable(connection, this.settings.failover(), this.settings.onInvalidated());
			}
			return info;
		}
	}

	/** @return the slot administration (one per stream, so what start-up learned reaches the sessions) */
	SlotManager slots() {
		return this.slots;
	}

	/**
	 * @param table a table to publish from now on
	 * @return the table as found in the catalog
	 * @throws SQLException if the server cannot be reached or fails
	 * @throws CdcConfigurationException if the table does not exist or cannot be published
	 */
	TableInfo add(TableName table) throws SQLException {
		try (Connection connection = this.connections.admin()) {
			String user = connection.getMetaData().getUserName();
			ResolvedTable resolved = TableResolver.resolve(connection, table);
			List<ReplicaIdentityManager.Change> identityChanges = this.identities.plan(List.of(resolved), user);
			PublicationManager.Change publicationChange = this.publication.planAdd(connection, resolved);
			this.identities.apply(connection, identityChanges, user);
			this.publication.apply(connection, publicationChange);
			return resolved.info();
		}
	}

	/**
	 * @param table a table to publish no more
	 * @throws SQLException if the server cannot be reached or fails
	 */
	void remove(TableName table) throws SQLException {
		try (Connection connection = this.connections.admin()) {
			this.publication.remove(connection, table);
		}
	}

}
