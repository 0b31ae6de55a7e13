#!/usr/bin/env bash
#
# Chaos test: a durable-slot pgcdc consumer under steady load while it is killed (kill -9), the
# server is restarted (pg_ctl restart -m fast / -m immediate) and its walsender terminated, then
# a verification of every delivery against what the source says committed.
#
#   cdc-benchmarks/chaos.sh [duration s (300)] [seed (random)]
#
# Environment:
#   FAULTS     weights of the faults, default "kill=4,fast=1,immediate=1,terminate=1"
#   INTERVAL   seconds between faults, uniformly random in "min-max", default "5-20"
#   RATE       writer transactions per second (1-20 row changes each), default 150
#   BURSTS     "on-off" milliseconds: write at RATE for on ms, then pause off ms (default: steady)
#   SINK       file (the handler appends each delivery to a file) or table (the handler writes it,
#              and applies the changes to a replica table, on the same server), default file
#   CONSUMERS  1, or 2 for a holder and a standby on the same slot (kills hit the holder), default 1
#   OFFSETS    server (default) or jdbc (cdc.offsets.store=jdbc on the same server; with SINK=table
#              the check becomes 0 duplicate effects)
#   PGBIN      PostgreSQL binaries, default /usr/lib/postgresql/15/bin (installed with apt-get if missing)
#   SKIP_BUILD 1 to use cdc-benchmarks/target/benchmarks.jar as it is
#
# Prints the verdict (lost, phantoms, replica, duplicates per fault, the redelivery goal per kill,
# first delivery after each kill) and leaves every log in the work directory it names.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${1:-300}
SEED=${2:-$RANDOM}
FAULTS=${FAULTS:-kill=4,fast=1,immediate=1,terminate=1}
INTERVAL=${INTERVAL:-5-20}
RATE=${RATE:-150}
BURSTS=${BURSTS:-}
SINK=${SINK:-file}
CONSUMERS=${CONSUMERS:-1}
OFFSETS=${OFFSETS:-server}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
JAR=cdc-benchmarks/target/benchmarks.jar
JAVA_OPTS=${JAVA_OPTS:--Xms64m -Xmx256m}
RANDOM=$SEED

if [ ! -x "$PGBIN/pg_ctl" ]; then
	echo "Installing PostgreSQL 15 (postgresql-15)..."
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
	$SUDO apt-get install -y -q postgresql-15 > /dev/null \
		|| { $SUDO apt-get update -q > /dev/null && $SUDO apt-get install -y -q postgresql-15 > /dev/null; }
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
	echo "Building $JAR..."
	./mvnw -B -ntp -q -pl cdc-benchmarks -am package -DskipTests
fi

WORK=$(mktemp -d /tmp/pgcdc-chaos.XXXXXX)
chmod 755 "$WORK"
DATA=$WORK/data
PORT=$((20000 + RANDOM % 20000))
URL="jdbc:postgresql://127.0.0.1:$PORT/chaos"
# initdb and pg_ctl refuse to run as root
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK"; fi
now_ms() { date +%s%3N; }
fault() { echo "$(now_ms) $*" >> "$WORK/faults.log"; echo "$(date +%T) $*"; }
psql_chaos() { "$PGBIN/psql" -X -q -A -t -h 127.0.0.1 -p "$PORT" -U postgres -d chaos -c "$1"; }

declare -A PIDS=()
declare -A INCARNATION_OF=()
INCARNATION=0
WRITER_PID=""
cleanup() {
	for name in "${!PIDS[@]}"; do kill "${PIDS[$name]}" 2> /dev/null || true; done
	if [ -n "$WRITER_PID" ]; then kill "$WRITER_PID" 2> /dev/null || true; fi
	as_pg "$PGBIN/pg_ctl" -D "$DATA" stop -m immediate > /dev/null 2>&1 || true
}
trap cleanup EXIT

echo "Work directory: $WORK (seed $SEED, $DURATION s, faults $FAULTS every $INTERVAL s, $RATE tx/s${BURSTS:+ in bursts $BURSTS ms}, sink $SINK," \
	"$CONSUMERS consumer(s), offsets $OFFSETS)"
as_pg "$PGBIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --no-sync > "$WORK/initdb.log"
# fsync off: the faults are process deaths (kill -9, an immediate stop), never the machine's, so
# the kernel keeps every write; synchronous_commit stays on, so a commit the writer saw is in the WAL
cat >> "$DATA/postgresql.conf" << EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
max_connections = 50
wal_sender_timeout = 60s
fsync = off
full_page_writes = off
shared_buffers = 64MB
EOF
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -w start > /dev/null
"$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE chaos"
psql_chaos "CREATE TABLE items (id bigint PRIMARY KEY, v bigint NOT NULL);
	CREATE TABLE chaos_tx (seq bigint PRIMARY KEY, ops int NOT NULL, committed_at timestamptz NOT NULL DEFAULT clock_timestamp());
	CREATE TABLE chaos_delivery (ord bigserial PRIMARY KEY, incarnation text NOT NULL, handled_at bigint NOT NULL,
		seq bigint NOT NULL, lsn text NOT NULL, xid bigint NOT NULL, ops text NOT NULL);
	CREATE TABLE replica_items (id bigint PRIMARY KEY, v bigint NOT NULL);"
echo "Server: $("$PGBIN/postgres" --version), $URL; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

start_consumer() {
	local name=$1
	INCARNATION=$((INCARNATION + 1))
	local incarnation=$INCARNATION
	# shellcheck disable=SC2086
	java $JAVA_OPTS -Dchaos.offsets="$OFFSETS" -cp "$JAR" dev.pgcdc.chaos.ChaosConsumer "$URL" postgres "chaos-$name" \
		"$incarnation" "$SINK" "$WORK/deliveries-$(printf %05d "$incarnation").log" >> "$WORK/consumer-$name.log" 2>&1 &
	PIDS[$name]=$!
	INCARNATION_OF[$name]=$incarnation
	fault "consumer-start $name $incarnation pid=${PIDS[$name]}"
}

# the consumer holding the slot (CONSUMERS=2: the one to kill), by its walsender's application_name
holder() {
	local app
	app=$(psql_chaos "SELECT a.application_name FROM pg_replication_slots s JOIN pg_stat_activity a ON a.pid = s.active_pid
		WHERE s.slot_name = 'chaos_slot'" 2> /dev/null || true)
	app=${app#chaos-}
	if [ -n "$app" ] && [ -n "${PIDS[$app]:-}" ]; then echo "$app"; else echo A; fi
}

NAMES=(A)
if [ "$CONSUMERS" = 2 ]; then NAMES=(A B); fi
start_consumer A
# the consumer creates the slot and publication; the writer starts once it streams
for _ in $(seq 120); do
	grep -q STREAMING "$WORK/consumer-A.log" 2> /dev/null && break
	sleep 1
done
if [ "$CONSUMERS" = 2 ]; then start_consumer B; fi

# shellcheck disable=SC2086
java $JAVA_OPTS -cp "$JAR" dev.pgcdc.chaos.ChaosWriter "$URL" postgres "$RATE" "$DURATION" "$SEED" "$BURSTS" \
	> "$WORK/writer.log" 2>&1 &
WRITER_PID=$!

# the fault mix as a list to draw from
MIX=()
IFS=, read -ra WEIGHTS <<< "$FAULTS"
for entry in "${WEIGHTS[@]}"; do
	for _ in $(seq "${entry#*=}"); do MIX+=("${entry%=*}"); done
done
LOW=${INTERVAL%-*}
HIGH=${INTERVAL#*-}

# keep consumers running: one that ended by itself (not killed here) is counted and restarted
supervise() {
	for name in "${NAMES[@]}"; do
		if ! kill -0 "${PIDS[$name]}" 2> /dev/null; then
			local status=0
			wait "${PIDS[$name]}" 2> /dev/null || status=$?
			fault "consumer-exit $name ${INCARNATION_OF[$name]} status=$status"
			start_consumer "$name"
		fi
	done
}

END=$(($(date +%s) + DURATION))
while kill -0 "$WRITER_PID" 2> /dev/null && [ "$(date +%s)" -lt "$END" ]; do
	WAIT=$((LOW + RANDOM % (HIGH - LOW + 1)))
	for _ in $(seq "$WAIT"); do
		sleep 1
		supervise
	done
	if [ "$(date +%s)" -ge "$((END - 5))" ]; then break; fi
	KIND=${MIX[$((RANDOM % ${#MIX[@]}))]}
	case $KIND in
		kill)
			name=$(holder)
			pid=${PIDS[$name]}
			fault "kill $name ${INCARNATION_OF[$name]} pid=$pid"
			kill -9 "$pid"
			wait "$pid" 2> /dev/null || true
			start_consumer "$name"
			;;
		fast | immediate)
			started=$(now_ms)
			if as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -m "$KIND" -w -t 120 restart > /dev/null; then
				result=ok
			else
				result=failed
			fi
			echo "$started $KIND restart $result took_ms=$(($(now_ms) - started))" >> "$WORK/faults.log"
			echo "$(date +%T) $KIND restart $result, $(($(now_ms) - started)) ms"
			;;
		terminate)
			fault "terminate walsender $(psql_chaos "SELECT string_agg(pg_terminate_backend(active_pid)::text || ' ' || active_pid, ',')
				FROM pg_replication_slots WHERE slot_name = 'chaos_slot' AND active_pid IS NOT NULL" 2>&1 || true)"
			;;
	esac
done

wait "$WRITER_PID" || true
WRITER_PID=""
cat "$WORK/writer.log"
supervise
echo "Load after: $(cut -d' ' -f1-3 /proc/loadavg)"
EXPECT_ONCE=false
if [ "$OFFSETS" = jdbc ] && [ "$SINK" = table ]; then EXPECT_ONCE=true; fi
STATUS=0
java $JAVA_OPTS -cp "$JAR" dev.pgcdc.chaos.ChaosVerify "$URL" postgres "$WORK" "$SINK" "$EXPECT_ONCE" \
	| tee "$WORK/verdict.txt" || STATUS=$?
echo "Logs: $WORK"
exit "$STATUS"
