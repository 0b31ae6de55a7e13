package dev.pgcdc.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Stream;

import dev.pgcdc.test.TestDatabase;
import org.jspecify.annotations.Nullable;

/**
 * CPU time spent by this JVM and by the database server (Linux {@code /proc}): the postmaster's
 * own and its reaped children's time plus every live child's (backends, walsender), so a
 * connection that ended in between still counts. On a machine shared with other work, wall-clock
 * rates move with the load while CPU seconds per row stay put; this gives the second view.
 */
final class CpuClock {

	private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

	private final long postmaster;

	private CpuClock(long postmaster) {
		this.postmaster = postmaster;
	}

	/**
	 * @param database a database of the server to watch
	 * @return a clock, or {@code null} where {@code /proc} or the server's data directory cannot be read
	 */
	static @Nullable CpuClock of(TestDatabase database) {
		try (Connection connection = database.connect();
				Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SHOW data_directory")) {
			row.next();
			String pid = Files.readAllLines(Path.of(row.getString(1), "postmaster.pid")).get(0).trim();
			return new CpuClock(Long.parseLong(pid));
		}
		catch (SQLException | IOException | RuntimeException ex) {
			return null;
		}
	}

	/** @return {JVM CPU seconds, server CPU seconds} now */
	double[] now() {
		double jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime() / 1e9;
		long ticks = ticks(this.postmaster, true);
		try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
			for (Path process : (Iterable<Path>) processes::iterator) {
				String name = process.getFileName().toString();
				if (name.chars().allMatch(Character::isDigit)) {
					long[] stat = stat(Long.parseLong(name));
					if (stat != null && stat[0] == this.postmaster) {
						ticks += stat[1] + stat[2];
					}
				}
			}
		}
		catch (IOException ex) {
			// counted what could be read
		}
		return new double[] { jvm, ticks / (double) TICKS_PER_SECOND };
	}

	private static long ticks(long pid, boolean withChildren) {
		long[] stat = stat(pid);
		if (stat == null) {
			return 0;
		}
		return stat[1] + stat[2] + (withChildren ? stat[3] + stat[4] : 0);
	}

	/** @return {ppid, utime, stime, cutime, cstime}, or {@code null} if the process is gone */
	private static long @Nullable [] stat(long pid) {
		try {
			String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
			// the command may hold spaces and parentheses: fields start after the last ')'
			String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
			return new long[] { Long.parseLong(fields[1]), Long.parseLong(fields[11]), Long.parseLong(fields[12]),
					Long.parseLong(fields[13]), Long.parseLong(fields[14]) };
		}
		catch (IOException | RuntimeException ex) {
			return null;
		}
	}

}
