#!/usr/bin/env bash
# The DJL round-trip benchmark (DjlBenchmark): benchmarks.jar plus DJL's jars (its PyTorch
# engine, CPU, offline) from the local Maven repository. Arguments go to JMH, e.g. -f 1 -wi 3.
#   bash bench/djl.sh [JMH options]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q install -DskipTests
mvn -q -f bench/pom.xml package
cp=$(mvn -q -f bench/pom.xml dependency:build-classpath -Dmdep.includeScope=provided \
  -Dmdep.outputFile=/dev/stdout)
java -Dai.djl.offline=true -cp "bench/target/benchmarks.jar:$cp" org.openjdk.jmh.Main \
  -jvmArgs -Dai.djl.offline=true DjlBenchmark "$@"
