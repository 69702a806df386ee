#!/usr/bin/env bash
# The full benchmark run, as published: builds the library and the suite, runs every case, runs
# the numpy anchor, and writes the report. Everything lands in bench/results/ as
#   <yyyy-mm-dd>-<machine>.json           JMH's JSON results (all groups merged)
#   <yyyy-mm-dd>-<machine>.machine.json   CPU, cores, GPU, OS, JVM and backend status
#   <yyyy-mm-dd>-<machine>-numpy.jsonl    the numpy anchor (when python3 has numpy)
#   <yyyy-mm-dd>-<machine>.md / .png      the report
# Arguments go to the runner (bench/README.md), e.g. bash bench/run.sh --backends cpu,cuda
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -q install -DskipTests
mvn -q -f bench/pom.xml package

# The machine by what was measured (container host names say nothing): CPU model, logical CPUs,
# and the GPU when there is one.
slug() { tr '[:upper:]' '[:lower:]' | sed -E 's/\((r|tm)\)//g; s/[^a-z0-9]+/-/g; s/^-+//; s/-+$//'; }
cpu="$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | slug || true)"
machine="${cpu:-$(uname -m)}-$(nproc)c"
if command -v nvidia-smi >/dev/null 2>&1; then
  gpu="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n1 | slug || true)"
  if [ -n "$gpu" ]; then machine="$machine-$gpu"; fi
fi
mkdir -p bench/results
stem="bench/results/$(date +%F)-$machine"
# A second run on the same day keeps the first one.
if [ -e "$stem.json" ]; then
  n=2
  while [ -e "$stem-$n.json" ]; do n=$((n + 1)); done
  stem="$stem-$n"
fi

java -jar bench/target/benchmarks.jar --json "$stem.json" "$@"

# After JMH, not during: both would compete for the same cores.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import numpy' 2>/dev/null; then
  echo "== numpy anchor"
  python3 bench/anchors/numpy_gumbel_rao.py > "$stem-numpy.jsonl"
  cat "$stem-numpy.jsonl"
else
  echo "numpy anchor skipped: no python3 with numpy"
fi

java -cp bench/target/benchmarks.jar dev.gumbelrao.bench.Report "$stem.json" "$stem"
