package dev.pgcdc.benchmark;

/** One way of reading a slot to its end: pgcdc, Debezium, raw pgjdbc, pg_recvlogical or the SQL function. */
interface DrainEngine {

	/** @return a short name for reports */
	String name();

	/**
	 * Start a consumer on the target's slot and return once the last waiting event arrived.
	 * @param target the slot and what it holds
	 * @return the timings
	 * @throws Exception if the consumer fails or the events do not all arrive in time
	 */
	DrainResult drain(DrainTarget target) throws Exception;

}
