#!/usr/bin/env bash
# The ListOps publishing run (the paper's Table 1): the paper's estimators (ST-GS, GR-MC10,
# GR-MC100, GR-MC1000) at every temperature (0.01, 0.1, 1) on the splits of maximum length 10,
# then 25; 5,000 iterations per cell at the paper's batch size (= the maximum length), 20,000 /
# 1,000 / 2,000 generated examples, evaluation every 250 iterations. About 2 min per cell at
# L <= 10 and 10 min at L <= 25 on one core of the 2-core EPYC (the --plan of the command).
#
#   bash java/cli/listops-publish.sh [EXTRA OPTIONS...]
#
# Resumable: the command skips the cells its CSV in $LISTOPS_RUNS (default ~/listops-runs)
# holds, so run the same line again after an interruption (an unfinished cell starts over).
# The outputs are copied to java/cli/results/listops/ after every length, to be committed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${LISTOPS_RUNS:-$HOME/listops-runs}
publish=${PUBLISH:-$root/java/cli/results/listops}
mkdir -p "$runs" "$publish"
if [ ! -f "$runs/jar/gumbel-rao.jar" ]; then
  jar=$root/java/cli/target/gumbel-rao.jar
  if [ ! -f "$jar" ] || [ ! -d "$(dirname "$jar")/lib" ]; then (cd "$root" && mvn -q package -DskipTests); fi
  mkdir -p "$runs/jar"
  cp -r "$jar" "$(dirname "$jar")/lib" "$runs/jar/"
  git -C "$root" rev-parse HEAD > "$runs/jar/COMMIT"
fi
for length in 10 25; do
  start=$(date +%s)
  OMP_WAIT_POLICY=PASSIVE nice -n 10 java -jar "$runs/jar/gumbel-rao.jar" listops \
    --max-lengths "$length" --taus 0.01,0.1,1 --estimators ST-GS,GR-MC10,GR-MC100,GR-MC1000 \
    --iterations 5000 --eval-every 250 --train 20000 --valid 1000 --test 2000 --hidden 64 \
    --seed 1 --quiet --out "$runs/out" "$@" | tee -a "$runs/progress.log"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || { echo "listops-publish: L <= $length failed (rc $rc)"; exit "$rc"; }
  echo "L <= $length: $(( $(date +%s) - start )) s of wall time in this process; jar from commit $(cat "$runs/jar/COMMIT")" >> "$runs/progress.log"
  cp "$runs/out"/listops-* "$runs/progress.log" "$publish/"
done
echo "listops-publish: done; results in $publish"
