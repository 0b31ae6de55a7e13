package dev.pgcdc.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The chaos test's verdict. Waits until every transaction the source recorded in
 * {@code chaos_tx} was delivered (or nothing new arrived for a minute), then checks:
 * <ul>
 * <li>lost = 0: every committed transaction was delivered, complete (as many row changes as
 * the writer made);</li>
 * <li>phantoms = 0: nothing was delivered that did not commit, and every delivery of a
 * transaction carried the same changes;</li>
 * <li>the replica built from the deliveries (in delivery order, a transaction applied only if
 * its commit LSN is past the last applied one: the idempotency the README recommends) equals
 * {@code items}; with the table sink, so does the handler's own {@code replica_items};</li>
 * <li>duplicates: every delivery of a transaction delivered before, attributed to the last
 * fault before it, per fault kind and per fault;</li>
 * <li>the goal: after each {@code kill -9}, the transactions delivered again are at most those
 * the killed consumer handled in the last second before it, plus one (in flight);</li>
 * <li>the first delivery after each kill (a standby taking over, or the restarted consumer).</li>
 * </ul>
 * {@code ChaosVerify <jdbc url> <user> <work dir> <file|table> [expect exactly once: true|false]};
 * exits 1 when a check fails.
 */
public final class ChaosVerify {

	private record Delivery(String incarnation, long handledAt, long seq, long lsn, String lsnText, String ops,
			long order) {
	}

	private record Fault(long at, String kind, String detail) {
	}

	private final String url;

	private final String user;

	private final Path work;

	private final boolean table;

	private ChaosVerify(String url, String user, Path work, boolean table) {
		this.url = url;
		this.user = user;
		this.work = work;
		this.table = table;
	}

	public static void main(String[] args) throws Exception {
		boolean exactlyOnce = args.length > 4 && Boolean.parseBoolean(args[4]);
		boolean ok = new ChaosVerify(args[0], args[1], Path.of(args[2]), args[3].equals("table")).verify(exactlyOnce);
		System.exit(ok ? 0 : 1);
	}

	private boolean verify(boolean exactlyOnce) throws Exception {
		Map<Long, Integer> source = source();
		List<Delivery> deliveries = awaitCaughtUp(source);
		List<Fault> faults = faults();
		boolean ok = true;

		// lost and phantoms
		Map<Long, String> contents = new HashMap<>();
		int inconsistent = 0;
		int incomplete = 0;
		int phantoms = 0;
		for (Delivery delivery : deliveries) {
			String previous = contents.putIfAbsent(delivery.seq(), delivery.ops());
			if (previous != null && !previous.equals(delivery.ops())) {
				inconsistent++;
			}
			Integer ops = source.get(delivery.seq());
			if (ops == null) {
				phantoms++;
			}
			else if (count(delivery.ops()) != ops) {
				incomplete++;
			}
		}
		Set<Long> lost = new HashSet<>(source.keySet());
		lost.removeAll(contents.keySet());
		System.out.printf("transactions committed (chaos_tx): %d, row changes: %d%n", source.size(),
				source.values().stream().mapToLong(Integer::longValue).sum());
		System.out.printf("deliveries: %d (%d distinct transactions)%n", deliveries.size(), contents.size());
		ok &= check("lost = 0", lost.size(), lost.isEmpty() ? "" : " e.g. seq " + lost.stream().sorted().limit(5).toList());
		ok &= check("phantoms = 0", phantoms, "");
		ok &= check("incomplete deliveries = 0", incomplete, "");
		ok &= check("deliveries of one transaction that differ = 0", inconsistent, "");

		// the replica
		Map<Long, Long> items = rows("SELECT id, v FROM items");
		Map<Long, Long> replica = replica(deliveries);
		ok &= check("replica from the deliveries equals the source", difference(items, replica),
				" (" + items.size() + " rows)");
		if (this.table) {
			ok &= check("the handler's replica_items equals the source",
					difference(items, rows("SELECT id, v FROM replica_items")), "");
		}

		// duplicates, per fault
		faults.sort(Comparator.comparingLong(Fault::at));
		Map<Fault, Integer> duplicatesPerFault = new LinkedHashMap<>();
		Map<Fault, Long> oldestRedelivered = new HashMap<>();
		Map<Long, Long> firstHandled = new HashMap<>();
		int duplicates = 0;
		int beforeAnyFault = 0;
		for (Delivery delivery : deliveries) {
			Long first = firstHandled.putIfAbsent(delivery.seq(), delivery.handledAt());
			if (first == null) {
				continue;
			}
			duplicates++;
			Fault fault = lastFaultBefore(faults, delivery.handledAt());
			if (fault == null) {
				beforeAnyFault++;
				continue;
			}
			duplicatesPerFault.merge(fault, 1, Integer::sum);
			oldestRedelivered.merge(fault, Math.max(0, fault.at() - first), Math::max);
		}
		System.out.printf("duplicates: %d (%.2f %% of deliveries), before any fault: %d%n", duplicates,
				100.0 * duplicates / Math.max(1, deliveries.size()), beforeAnyFault);
		Map<String, int[]> perKind = new TreeMap<>();
		for (Fault fault : faults) {
			if (fault.kind().startsWith("consumer-")) {
				continue;
			}
			int[] sums = perKind.computeIfAbsent(fault.kind(), (kind) -> new int[3]);
			int count = duplicatesPerFault.getOrDefault(fault, 0);
			sums[0]++;
			sums[1] += count;
			sums[2] = Math.max(sums[2], count);
		}
		System.out.println("| fault | count | duplicates | per fault (mean) | per fault (max) |");
		System.out.println("|---|---|---|---|---|");
		perKind.forEach((kind, sums) -> System.out.printf("| %s | %d | %d | %.1f | %d |%n", kind, sums[0], sums[1],
				(double) sums[1] / Math.max(1, sums[0]), sums[2]));
		if (exactlyOnce) {
			ok &= check("duplicate effects = 0 (offsets in the handler's database)", duplicates, "");
		}

		// the goal after each kill -9, and the first delivery after it
		int kills = 0;
		int missed = 0;
		List<Long> firstAfter = new ArrayList<>();
		System.out.println();
		System.out.println("| kill at | killed | handled in the last second | redelivered | goal (<= handled + 1) |"
				+ " oldest redelivered, s | next fault after, s | first delivery after, s |");
		System.out.println("|---|---|---|---|---|---|---|---|");
		for (int i = 0; i < faults.size(); i++) {
			Fault fault = faults.get(i);
			if (!fault.kind().equals("kill")) {
				continue;
			}
			kills++;
			String killed = fault.detail().split(" ")[1];
			long lastSecond = deliveries.stream()
				.filter((d) -> d.incarnation().equals(killed) && d.handledAt() >= fault.at() - 1000
						&& d.handledAt() <= fault.at())
				.count();
			int redelivered = duplicatesPerFault.getOrDefault(fault, 0);
			boolean met = redelivered <= lastSecond + 1;
			if (!met) {
				missed++;
			}
			long first = deliveries.stream()
				.filter((d) -> !d.incarnation().equals(killed) && d.handledAt() > fault.at())
				.mapToLong(Delivery::handledAt)
				.min()
				.orElse(-1);
			long takeover = (first >= 0) ? first - fault.at() : -1;
			if (takeover >= 0) {
				firstAfter.add(takeover);
			}
			long nextFault = faults.stream()
				.filter((f) -> f.at() > fault.at() && !f.kind().startsWith("consumer-"))
				.mapToLong(Fault::at)
				.min()
				.orElse(-1);
			System.out.printf("| %d | %s | %d | %d | %s | %.1f | %s | %.2f |%n", fault.at(), killed, lastSecond,
					redelivered, met ? "met" : "**missed**", oldestRedelivered.getOrDefault(fault, 0L) / 1000.0,
					(nextFault > 0) ? String.format("%.1f", (nextFault - fault.at()) / 1000.0) : "-",
					takeover / 1000.0);
		}
		ok &= check("kills whose redelivery missed the goal = 0", missed, " of " + kills + " kills");
		if (!firstAfter.isEmpty()) {
			firstAfter.sort(null);
			System.out.printf("first delivery after a kill, s: median %.2f, max %.2f (%d kills)%n",
					firstAfter.get(firstAfter.size() / 2) / 1000.0, firstAfter.get(firstAfter.size() - 1) / 1000.0,
					firstAfter.size());
		}
		for (Fault fault : faults) {
			if (fault.kind().equals("fast") || fault.kind().equals("immediate") || fault.kind().equals("consumer-exit")) {
				System.out.println("fault " + fault.kind() + " at " + fault.at() + ": " + fault.detail());
			}
		}
		System.out.println(ok ? "CHAOS PASSED" : "CHAOS FAILED");
		return ok;
	}

	private static boolean check(String what, long value, String detail) {
		boolean ok = value == 0;
		System.out.printf("%s %s: %d%s%n", ok ? "OK  " : "FAIL", what, value, detail);
		return ok;
	}

	private static Fault lastFaultBefore(List<Fault> faults, long at) {
		Fault last = null;
		for (Fault fault : faults) {
			if (fault.at() > at) {
				break;
			}
			if (!fault.kind().startsWith("consumer-")) {
				last = fault;
			}
		}
		return last;
	}

	private static int count(String ops) {
		return ops.equals("-") ? 0 : ops.split(",").length;
	}

	/** In delivery order, each transaction once: only when its commit LSN is past the last applied one. */
	private static Map<Long, Long> replica(List<Delivery> deliveries) {
		Map<Long, Long> replica = new HashMap<>();
		long applied = 0;
		for (Delivery delivery : deliveries) {
			if (delivery.lsn() <= applied) {
				continue;
			}
			applied = delivery.lsn();
			if (delivery.ops().equals("-")) {
				continue;
			}
			for (String op : delivery.ops().split(",")) {
				String[] part = op.split(":");
				long id = Long.parseLong(part[1]);
				if (part[0].equals("D")) {
					replica.remove(id);
				}
				else {
					replica.put(id, Long.parseLong(part[2]));
				}
			}
		}
		return replica;
	}

	private static long difference(Map<Long, Long> expected, Map<Long, Long> actual) {
		long different = 0;
		for (Map.Entry<Long, Long> row : expected.entrySet()) {
			if (!Objects.equals(row.getValue(), actual.get(row.getKey()))) {
				different++;
			}
		}
		for (Long id : actual.keySet()) {
			if (!expected.containsKey(id)) {
				different++;
			}
		}
		return different;
	}

	private List<Delivery> awaitCaughtUp(Map<Long, Integer> source) throws Exception {
		long quietSince = System.nanoTime();
		int seen = -1;
		while (true) {
			List<Delivery> deliveries = deliveries();
			Set<Long> delivered = new HashSet<>();
			deliveries.forEach((d) -> delivered.add(d.seq()));
			if (delivered.containsAll(source.keySet())) {
				return deliveries;
			}
			if (deliveries.size() != seen) {
				seen = deliveries.size();
				quietSince = System.nanoTime();
			}
			else if (System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(60)) {
				System.out.println("nothing new delivered for 60 s: verifying what arrived");
				return deliveries;
			}
			// polling the consumer's output from outside its process: nothing to await on here
			TimeUnit.MILLISECONDS.sleep(500);
		}
	}

	private List<Delivery> deliveries() throws IOException, SQLException {
		List<Delivery> deliveries = new ArrayList<>();
		if (this.table) {
			try (Connection connection = connect(); Statement statement = connection.createStatement();
					ResultSet row = statement.executeQuery(
							"SELECT incarnation, handled_at, seq, lsn, ops, ord FROM chaos_delivery ORDER BY ord")) {
				while (row.next()) {
					deliveries.add(new Delivery(row.getString(1), row.getLong(2), row.getLong(3), lsn(row.getString(4)),
							row.getString(4), row.getString(5), row.getLong(6)));
				}
			}
		}
		else {
			long order = 0;
			List<Path> files;
			try (Stream<Path> listed = Files.list(this.work)) {
				files = listed.filter((p) -> p.getFileName().toString().startsWith("deliveries-")).sorted().toList();
			}
			for (Path file : files) {
				for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
					String[] part = line.split(" ");
					if (part.length < 6) {
						// a line cut by kill -9 in the middle of its write cannot happen with one write(2); be safe
						continue;
					}
					deliveries.add(new Delivery(part[0], Long.parseLong(part[1]), Long.parseLong(part[2]), lsn(part[3]),
							part[3], part[5], order++));
				}
			}
		}
		// in the order they were handled (one consumer handles at a time; ties keep file order)
		deliveries.sort(Comparator.comparingLong(Delivery::handledAt).thenComparingLong(Delivery::order));
		return deliveries;
	}

	private List<Fault> faults() throws IOException {
		List<Fault> faults = new ArrayList<>();
		Path log = this.work.resolve("faults.log");
		if (Files.exists(log)) {
			for (String line : Files.readAllLines(log)) {
				String[] part = line.split(" ", 3);
				if (part.length >= 2) {
					faults.add(new Fault(Long.parseLong(part[0]), part[1], (part.length > 2) ? part[2] : ""));
				}
			}
		}
		return faults;
	}

	private Map<Long, Integer> source() throws SQLException {
		Map<Long, Integer> source = new HashMap<>();
		try (Connection connection = connect(); Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT seq, ops FROM chaos_tx")) {
			while (row.next()) {
				source.put(row.getLong(1), row.getInt(2));
			}
		}
		return source;
	}

	private Map<Long, Long> rows(String sql) throws SQLException {
		Map<Long, Long> rows = new HashMap<>();
		try (Connection connection = connect(); Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery(sql)) {
			while (row.next()) {
				rows.put(row.getLong(1), row.getLong(2));
			}
		}
		return rows;
	}

	private Connection connect() throws SQLException {
		return DriverManager.getConnection(this.url, this.user, "");
	}

	private static long lsn(String text) {
		int slash = text.indexOf('/');
		return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
	}

}
