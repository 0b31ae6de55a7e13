#!/usr/bin/env bash
# Relay throughput: pgcdc's Kafka relay next to Debezium embedded + a KafkaProducer, on one
# embedded PostgreSQL and one KRaft broker on this machine (in a JVM of its own: the benchmark's
# JVM carries Debezium's Kafka 4.3 jars, the broker Spring Boot's 4.2).
# Usage (from the repository root): cdc-benchmarks/relay-benchmark.sh [rows] [rows per small tx] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -o -B -q -pl cdc-kafka -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test.classpath
./mvnw -o -B -q -pl cdc-benchmarks -am package -DskipTests
mkfifo_dir=$(mktemp -d)
mkfifo "$mkfifo_dir/in"
java -cp "cdc-kafka/target/test-classes:cdc-kafka/target/classes:$(cat cdc-kafka/target/test.classpath)" \
  dev.pgcdc.kafka.StandaloneBroker 0 3 < "$mkfifo_dir/in" > "$mkfifo_dir/broker.log" 2>&1 &
BROKER=$!
exec 3> "$mkfifo_dir/in"   # the broker runs until this closes
trap 'exec 3>&-; wait $BROKER 2>/dev/null || true; rm -rf "$mkfifo_dir"' EXIT
for _ in $(seq 1 120); do
  grep -q '^READY' "$mkfifo_dir/broker.log" && break
  kill -0 $BROKER 2>/dev/null || { cat "$mkfifo_dir/broker.log"; exit 1; }
  sleep 0.5
done
BOOTSTRAP=$(grep '^READY' "$mkfifo_dir/broker.log" | cut -d' ' -f2)
echo "broker: $BOOTSTRAP"
java -Xms1g -Xmx1g -cp cdc-benchmarks/target/benchmarks.jar dev.pgcdc.benchmark.RelayBenchmark \
  "$BOOTSTRAP" "${1:-200000}" "${2:-100}" "${3:-3}"
