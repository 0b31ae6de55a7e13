package dev.pgcdc.replication;

/** What {@code REPLICA IDENTITY} the stream applies to a subscribed table. */
public enum ReplicaIdentity {
	/** {@code REPLICA IDENTITY FULL}: old rows carry every column. */
	FULL,
	/** {@code REPLICA IDENTITY DEFAULT}: old rows carry the primary key only. */
	DEFAULT,
	/** Leave the table's replica identity as it is. */
	UNCHANGED
}
