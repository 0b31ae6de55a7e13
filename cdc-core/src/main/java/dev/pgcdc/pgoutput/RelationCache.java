package dev.pgcdc.pgoutput;

import java.util.HashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The {@link PgOutputMessage.Relation Relation} messages seen on one replication session, by
 * relation id. The server sends a Relation message before the first change of each table (and
 * again after its schema changed), so this cache is the only source of table metadata the
 * decoding side needs. Not thread-safe: owned by the thread that reads the stream.
 */
public final class RelationCache {

	private final Map<Integer, PgOutputMessage.Relation> relations = new HashMap<>();

	// Most transactions touch one table over and over: skip the map (and the boxing) then.
	private PgOutputMessage.@Nullable Relation last;

	/**
	 * Remember a relation, replacing an earlier description of the same id.
	 * @param relation the Relation message
	 */
	public void put(PgOutputMessage.Relation relation) {
		this.relations.put(relation.relationId(), relation);
		this.last = relation;
	}

	/**
	 * @param relationId the relation id of a change message
	 * @return the last Relation message seen for that id
	 * @throws PgOutputException if no Relation message was seen for the id
	 */
	public PgOutputMessage.Relation get(int relationId) {
		PgOutputMessage.Relation relation = this.last;
		if (relation != null && relation.relationId() == relationId) {
			return relation;
		}
		relation = this.relations.get(relationId);
		if (relation == null) {
			throw new PgOutputException("no Relation message seen for relation id " + Integer.toUnsignedString(relationId)
					+ " (the server sends one before the first change of each table in a session)");
		}
		this.last = relation;
		return relation;
	}

	/**
	 * @param relationId a relation id
	 * @return whether a Relation message was seen for the id
	 */
	public boolean contains(int relationId) {
		return this.relations.containsKey(relationId);
	}

	/** @return how many relations are known */
	public int size() {
		return this.relations.size();
	}

	/** Forget every relation, as the server re-sends them on a new session. */
	public void clear() {
		this.relations.clear();
		this.last = null;
	}

}
