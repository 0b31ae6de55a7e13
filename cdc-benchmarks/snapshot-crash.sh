#!/usr/bin/env bash
# The snapshot crash test in separate JVMs: a durable slot's initial snapshot is killed with
# SIGKILL (kill -9) a third of the way in, a new JVM resumes after the last delivered chunk.
# Exit status 0 when it resumed and every row was delivered. See SnapshotCrashRun.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -pl cdc-benchmarks -am package -DskipTests
exec java -cp cdc-benchmarks/target/benchmarks.jar dev.pgcdc.benchmark.SnapshotCrashRun
