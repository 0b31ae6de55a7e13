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

	/**
	 * @param name {@code pgcdc}, {@code pgcdc_binary}, {@code raw}, {@code debezium}, {@code pg_recvlogical} or
	 * {@code sql_get_changes}
	 * @param debeziumPollMillis Debezium's {@code poll.interval.ms} (unless {@code -Ddebezium.poll.interval.ms} is set)
	 * @return the engine of that name
	 */
	static DrainEngine named(String name, long debeziumPollMillis) {
		return switch (name) {
			case "pgcdc" -> new PgcdcDrain(false);
			case "pgcdc_binary" -> new PgcdcDrain(true);
			case "raw" -> new RawDrain();
			case "debezium" -> new DebeziumDrain(debeziumPollMillis);
			case "pg_recvlogical" -> new RecvLogicalDrain();
			case "sql_get_changes" -> new SqlFunctionDrain();
			default -> throw new IllegalArgumentException("Unknown engine '" + name
					+ "': use pgcdc, pgcdc_binary, raw, debezium, pg_recvlogical or sql_get_changes");
		};
	}

}
