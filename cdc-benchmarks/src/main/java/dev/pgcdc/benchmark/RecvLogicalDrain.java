package dev.pgcdc.benchmark;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The floor: PostgreSQL's own {@code pg_recvlogical} (C, libpq) reading the slot with pgoutput
 * protocol 1 into {@code /dev/null} until the WAL position taken after the last commit
 * ({@code --no-loop -E}). It neither decodes nor counts anything, so its time is what the
 * server and the wire cost. The executable is {@code pg_recvlogical} on the {@code PATH}, or
 * {@code -Dpg_recvlogical=/path/to/it}.
 */
final class RecvLogicalDrain implements DrainEngine {

	private static final String EXECUTABLE = System.getProperty("pg_recvlogical", "pg_recvlogical");

	@Override
	public String name() {
		return "pg_recvlogical";
	}

	@Override
	public DrainResult drain(DrainTarget target) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(List.of(EXECUTABLE, "--host", target.host(), "--port",
				Integer.toString(target.port()), "--username", target.database().username(), "--dbname",
				target.database().name(), "--slot", target.slot(), "--start", "--no-loop", "--endpos", target.endLsn(),
				"--option", "proto_version=1", "--option", "publication_names=" + target.publication(), "--file", "-"))
			.redirectOutput(ProcessBuilder.Redirect.DISCARD);
		if (!target.database().password().isEmpty()) {
			builder.environment().put("PGPASSWORD", target.database().password());
		}
		long started = System.nanoTime();
		Process process = builder.start();
		if (!process.waitFor(30, TimeUnit.MINUTES)) {
			process.destroy();
			throw new IllegalStateException("pg_recvlogical did not reach " + target.endLsn() + " in 30 minutes");
		}
		long ended = System.nanoTime();
		String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
		if (process.exitValue() != 0) {
			throw new IllegalStateException("pg_recvlogical exited with " + process.exitValue() + ": " + errors);
		}
		return new DrainResult(-1, started, -1, ended, -1, -1);
	}

}
