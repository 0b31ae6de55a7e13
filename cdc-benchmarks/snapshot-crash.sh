#!/usr/bin/env bash
# The snapshot crash test in separate JVMs, twice: a durable slot's initial snapshot, then an
# incremental one started on demand while streaming, each under concurrent inserts, updates and
# deletes, killed with SIGKILL (kill -9) a third of the way in; a new JVM resumes after the last
# delivered chunk, and the replica built from both JVMs' events must equal the table.
# Exit status 0 when both runs hold. See SnapshotCrashRun.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -pl cdc-benchmarks -am package -DskipTests
for mode in initial incremental; do
  java -Dcrash.mode="$mode" -cp cdc-benchmarks/target/benchmarks.jar dev.pgcdc.benchmark.SnapshotCrashRun
done
