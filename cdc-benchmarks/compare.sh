#!/usr/bin/env bash
#
# Drain comparison: how fast pgcdc's ChangeStream, a raw pgjdbc replication client (the ceiling
# for a JVM client: frames read, nothing decoded), Debezium's embedded engine and pg_recvlogical
# empty the same slot backlog on the same PostgreSQL.
#
#   cdc-benchmarks/compare.sh [rows (200000)] [runs (3)] [rows per small transaction (1000)]
#
# Builds the benchmark jar, starts one embedded PostgreSQL 17 (or uses PGCDC_TEST_URL), then for
# every run, shape and engine starts a fresh JVM running CompareDrain: new database, table,
# publication and slot; rows inserted (not timed); consumer started; clock stops at the last event.
# Each is measured on a cold JVM (first drain after start) and on a warm one (after an unmeasured
# drain of the same size from another slot). Prints the medians, then pgcdc as a share of raw
# and as a multiple of Debezium (medians, and the range of the per-run ratios). Environment:
#   JAVA_OPTS  default "-Xms1g -Xmx1g"
#   ENGINES    default "pgcdc raw debezium pg_recvlogical sql_get_changes" (pgcdc_binary also exists)
#   SHAPES     default "one-tx small-tx"
#   JVMS       default "cold warm"
#   PGCDC_TEST_URL  an external server (wal_level=logical) instead of the embedded one
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${1:-200000}
RUNS=${2:-3}
PER_TX=${3:-1000}
JAVA_OPTS=${JAVA_OPTS:--Xms1g -Xmx1g}
ENGINES=${ENGINES:-pgcdc raw debezium pg_recvlogical sql_get_changes}
SHAPES=${SHAPES:-one-tx small-tx}
JVMS=${JVMS:-cold warm}
JAR=cdc-benchmarks/target/benchmarks.jar

if [[ " $ENGINES " == *" pg_recvlogical "* ]] && ! command -v pg_recvlogical > /dev/null; then
	echo "Installing pg_recvlogical (postgresql-client-15)..."
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
	$SUDO apt-get install -y -q postgresql-client-15 > /dev/null \
		|| { $SUDO apt-get update -q > /dev/null && $SUDO apt-get install -y -q postgresql-client-15 > /dev/null; }
fi

echo "Building $JAR..."
./mvnw -B -ntp -q -pl cdc-benchmarks -am package -DskipTests

WORK=$(mktemp -d)
SERVER_PID=""
stop_server() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2> /dev/null || true
		wait "$SERVER_PID" 2> /dev/null || true
	fi
}
trap stop_server EXIT

if [ -z "${PGCDC_TEST_URL:-}" ]; then
	java -cp "$JAR" dev.pgcdc.benchmark.BenchServer > "$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 120); do
		grep -q '^URL ' "$WORK/server.log" && break
		kill -0 "$SERVER_PID" 2> /dev/null || { cat "$WORK/server.log"; exit 1; }
		sleep 1
	done
	PGCDC_TEST_URL=$(sed -n 's/^URL //p' "$WORK/server.log")
	export PGCDC_TEST_URL
	sed -n 's/^SERVER //p' "$WORK/server.log"
fi

echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
echo "Server: $PGCDC_TEST_URL (fsync, synchronous_commit and full_page_writes off: TestPostgres settings)"
if command -v pg_recvlogical > /dev/null; then echo "Floor: $(pg_recvlogical --version)"; fi
echo "JVM options: $JAVA_OPTS; $ROWS rows per run, $RUNS runs, small transactions of $PER_TX rows"
echo "Load before: $(uptime)"
echo

# engines interleaved within each run, so a change in the machine's load hits all of them
for run in $(seq "$RUNS"); do
	for jvm in $JVMS; do
		WARMUP=0
		if [ "$jvm" = warm ]; then WARMUP=$ROWS; fi
		for shape in $SHAPES; do
			for engine in $ENGINES; do
				# shellcheck disable=SC2086
				java $JAVA_OPTS -Dwarmup.rows="$WARMUP" -cp "$JAR" dev.pgcdc.benchmark.CompareDrain \
					"$engine" "$shape" "$ROWS" "$PER_TX" > "$WORK/run.log" 2>&1 || { cat "$WORK/run.log"; exit 1; }
				grep -v '^RESULT\|^SLF4J\|^warm-up' "$WORK/run.log" | sed "s/^/run $run: /"
				grep '^RESULT' "$WORK/run.log" | sed "s/\$/ run=$run/" >> "$WORK/results"
			done
		done
	done
done
echo
echo "Load after: $(uptime)"
echo

# medians per engine and shape
awk -v per_tx="$PER_TX" -v rows="$ROWS" '
function range(list,    n, values, i, low, high) {
	n = split(list, values, " ")
	low = values[1] + 0; high = values[1] + 0
	for (i = 2; i <= n; i++) { if (values[i] + 0 < low) low = values[i] + 0; if (values[i] + 0 > high) high = values[i] + 0 }
	return low "-" high
}
function median(list,    n, values, i, j, t) {
	n = split(list, values, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (values[j] + 0 < values[i] + 0) { t = values[i]; values[i] = values[j]; values[j] = t }
	if (values[1] == "-" || values[1] == "NaN") return "-"
	return (n % 2) ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
}
{
	delete field
	for (i = 2; i <= NF; i++) { split($i, kv, "="); field[kv[1]] = kv[2] }
	key = field["jvm"] SUBSEP field["shape"] SUBSEP field["engine"]
	if (!(key in seen)) { seen[key] = 1; order[++count] = key }
	rate[key] = rate[key] " " field["events_per_s"]
	drain[key] = drain[key] " " field["drain_s"]
	first[key] = first[key] " " field["first_event_s"]
	heap[key] = heap[key] " " field["heap_used_mb"]
	retained[key] = retained[key] " " field["heap_retained_mb"]
	allocated[key] = allocated[key] " " field["allocated_mb"]
	load[key] = load[key] " " field["load1"]
	runs[key]++
	# per run, for the ratios below
	case_key = field["jvm"] SUBSEP field["shape"]
	if (!(case_key in case_seen)) { case_seen[case_key] = 1; case_order[++case_count] = case_key }
	run_rate[case_key, field["engine"], field["run"]] = field["events_per_s"]
	run_seen[case_key, field["run"]] = 1
}
# "<median> | <low>-<high>" of the events/s of pgcdc over those of another engine, per run: a percentage
# (percent=1) or a multiple; "- | -" without a run that has both
function ratio(case_key, other, percent,    r, list, n, values, low, high, mid) {
	list = ""
	for (r = 1; r <= max_run; r++) {
		if (((case_key, "pgcdc", r) in run_rate) && ((case_key, other, r) in run_rate) && run_rate[case_key, other, r] + 0 > 0) {
			list = list " " (run_rate[case_key, "pgcdc", r] / run_rate[case_key, other, r])
		}
	}
	if (list == "") return "- | -"
	mid = median(list)
	n = split(range(list), values, "-"); low = values[1]; high = values[2]
	if (percent) return sprintf("%.0f %% | %.0f-%.0f %%", 100 * mid, 100 * low, 100 * high)
	return sprintf("%.2fx | %.2f-%.2fx", mid, low, high)
}
END {
	printf "| JVM | shape | engine | events/s (median) | events/s (range) | drain s | first event s | heap used MB | heap after GC MB | allocated MB | load avg (1 min) | runs |\n"
	printf "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
	for (i = 1; i <= count; i++) {
		key = order[i]; split(key, part, SUBSEP)
		shape = (part[2] == "one-tx") ? "1 tx of " rows : "tx of " per_tx
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d |\n", part[1], shape, part[3], median(rate[key]),
			range(rate[key]), median(drain[key]),
			median(first[key]), median(heap[key]), median(retained[key]), median(allocated[key]), median(load[key]), runs[key]
	}
	for (key in run_seen) { split(key, part, SUBSEP); if (part[3] + 0 > max_run) max_run = part[3] + 0 }
	printf "\n| JVM | shape | pgcdc / raw (median) | pgcdc / raw (range) | pgcdc / debezium (median) | pgcdc / debezium (range) |\n"
	printf "|---|---|---|---|---|---|\n"
	for (i = 1; i <= case_count; i++) {
		key = case_order[i]; split(key, part, SUBSEP)
		shape = (part[2] == "one-tx") ? "1 tx of " rows : "tx of " per_tx
		printf "| %s | %s | %s | %s |\n", part[1], shape, ratio(key, "raw", 1), ratio(key, "debezium", 0)
	}
}' "$WORK/results"
echo
echo "Raw results: $WORK/results"
