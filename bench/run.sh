#!/usr/bin/env bash
# The full benchmark run, as published: builds the library and the suite, runs every case, runs
# the numpy and PyTorch CPU anchors, and writes the report. Everything lands in bench/results/ as
#   <yyyy-mm-dd>-<machine>.json           JMH's JSON results (all groups merged)
#   <yyyy-mm-dd>-<machine>.machine.json   CPU, cores, the CPU backend's ISA path, GPU, OS, JVM
#   <yyyy-mm-dd>-<machine>-numpy.jsonl    the numpy anchor (when python3 has numpy)
#   <yyyy-mm-dd>-<machine>-torch.jsonl    the PyTorch CPU anchor (Debian python3-torch, installed
#                                         here with apt-get when missing and this is root)
#   <yyyy-mm-dd>-<machine>.md / .png      the report
# <machine> is the CPU model with its family and model numbers, the logical CPUs, the CPU
# backend's path when --isa forces one, and
# the GPU when there is one. Arguments go to the runner (bench/README.md), e.g.
#   bash bench/run.sh --backends cpu,cuda        bash bench/run.sh --isa avx2 --anchors none
# --anchors none|numpy|torch|numpy,torch (default numpy,torch) is taken here, not by the runner.
set -euo pipefail
cd "$(dirname "$0")/.."

anchors=numpy,torch
isa=
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --anchors) anchors="$2"; shift 2 ;;
    --isa) isa="$2"; args+=("$1" "$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

mvn -q install -DskipTests
mvn -q -f bench/pom.xml package

# The machine by what was measured (container host names say nothing): CPU model, logical CPUs,
# and the GPU when there is one.
slug() { tr '[:upper:]' '[:lower:]' | sed -E 's/\((r|tm)\)//g; s/[^a-z0-9]+/-/g; s/^-+//; s/-+$//'; }
cpu="$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | slug || true)"
# Family and model tell CPUs apart that cloud VMs name alike ("AMD EPYC": family 25 model 1 is
# Zen 3, model 17 Zen 4).
family="$(grep -m1 '^cpu family' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | tr -d ' ' || true)"
model="$(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | tr -d ' ' || true)"
if [ -n "$cpu" ] && [ -n "$family" ] && [ -n "$model" ]; then cpu="$cpu-f${family}m${model}"; fi
machine="${cpu:-$(uname -m)}-$(nproc)c"
if [ -n "$isa" ]; then machine="$machine-$isa-path"; fi
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

java -jar bench/target/benchmarks.jar --json "$stem.json" ${args[@]+"${args[@]}"}

# After JMH, not during: they would compete for the same cores.
if [[ ",$anchors," == *",numpy,"* ]]; then
  if command -v python3 >/dev/null 2>&1 && python3 -c 'import numpy' 2>/dev/null; then
    echo "== numpy anchor"
    python3 bench/anchors/numpy_gumbel_rao.py > "$stem-numpy.jsonl"
    cat "$stem-numpy.jsonl"
  else
    echo "numpy anchor skipped: no python3 with numpy"
  fi
fi
if [[ ",$anchors," == *",torch,"* ]]; then
  # Debian's python3-torch installs for the system python (/usr/bin/python3), whatever python3
  # comes first on PATH.
  torch_python=/usr/bin/python3
  if ! "$torch_python" -c 'import torch' 2>/dev/null && [ "$(id -u)" = 0 ] \
      && command -v apt-get >/dev/null; then
    echo "== installing python3-torch (Debian) for the PyTorch CPU anchor"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch
  fi
  if "$torch_python" -c 'import torch' 2>/dev/null; then
    echo "== PyTorch CPU anchor ($(nproc) threads)"
    "$torch_python" bench/anchors/torch_cpu_anchor.py "$(nproc)" > "$stem-torch.jsonl"
    cat "$stem-torch.jsonl"
  else
    echo "PyTorch CPU anchor skipped: no torch for $torch_python (apt-get install python3-torch)"
  fi
fi

java -cp bench/target/benchmarks.jar dev.gumbelrao.bench.Report "$stem.json" "$stem"
