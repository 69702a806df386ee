#!/usr/bin/env bash
# Two builds side by side in one session: runs the benchmarks jar of each (e.g. the last release's
# and the working tree's) in turns A B B A, so that a drift of the machine's speed during the run
# falls on both alike, and prints per case the median element-samples/s of each build over its two
# turns and the ratio B / A. A shared VM moves one case by 10-20% between runs: read a ratio as a
# change only beyond the spread of its own turns, which the table shows.
#   bash bench/compare.sh OLD.jar NEW.jar OUT_DIR [runner options]
# e.g. bash bench/compare.sh /tmp/benchmarks-0.2.jar bench/target/benchmarks.jar /tmp/cmp \
#        --backends cpu --suites operations --ops gumbel-rao --taus 0.5
# Runner options as in bench/README.md ("Options of benchmarks.jar"); both jars get the same.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: bash bench/compare.sh A.jar B.jar OUT_DIR [runner options]" >&2
  exit 2
fi
a=$1 b=$2 out=$3
shift 3
for jar in "$a" "$b"; do
  [ -f "$jar" ] || { echo "no such jar: $jar" >&2; exit 2; }
done
mkdir -p "$out"
turn=0
for which in A B B A; do
  turn=$((turn + 1))
  jar=$a; [ "$which" = B ] && jar=$b
  echo "== turn $turn: $which ($jar)"
  java -jar "$jar" "$@" --json "$out/$turn-$which.json" > "$out/$turn-$which.log" 2>&1 \
    || { tail -20 "$out/$turn-$which.log"; exit 1; }
done
python3 - "$out" <<'EOF'
import json, os, statistics, sys
out = sys.argv[1]
runs = {}
for name in sorted(os.listdir(out)):
    if not name.endswith('.json') or name.endswith('.machine.json'):
        continue
    which = name.split('-')[1].split('.')[0]
    for r in json.load(open(os.path.join(out, name))):
        secondary = r.get('secondaryMetrics', {}).get('elementSamples')
        if secondary is None:
            continue
        params = r.get('params', {})
        key = (r['benchmark'].split('.')[-1],) + tuple(f'{k}={v}' for k, v in sorted(params.items()))
        runs.setdefault(key, {}).setdefault(which, []).append(secondary['score'])
def fmt(x):
    return f'{x / 1e9:.3g} G' if x >= 1e9 else f'{x / 1e6:.3g} M'
print('| case | A turns | B turns | A median | B median | B / A |')
print('|---|---|---|---:|---:|---:|')
for key in sorted(runs):
    v = runs[key]
    if 'A' not in v or 'B' not in v:
        continue
    ma, mb = statistics.median(v['A']), statistics.median(v['B'])
    print(f"| {' '.join(key)} | {', '.join(fmt(x) for x in v['A'])} | "
          f"{', '.join(fmt(x) for x in v['B'])} | {fmt(ma)} | {fmt(mb)} | {mb / ma:.2f} |")
EOF
