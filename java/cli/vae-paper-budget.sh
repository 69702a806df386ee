#!/usr/bin/env bash
# The discrete VAE at the paper's budget (its Table 2): 50,000 iterations per run, a 3-candidate
# search per estimator and setting with every candidate trained to the end, the test bound with
# M = 5000. One `vae` command per cell (batch size, arity, estimator), so that each finished
# cell's results land on their own; hours per cell on 2 cores, days for the whole queue.
#
#   bash java/cli/vae-paper-budget.sh [CELL...]     CELL = B:ARITY:ESTIMATOR, e.g. 20:16:ST-GS
#                                                   (default: the queue below, in its order)
#
# Resumable: run the same command again (after a lost session, on the same machine): finished
# cells are skipped, the running one continues from its checkpoints. Work and checkpoints live in
# $VAE_RUNS (default ~/vae-runs), outside the work tree; the jar is copied there on the first run
# (with the commit it was built from), so the tree can be rebuilt while cells run. Each finished
# cell's table, CSVs, curves and logs are copied to $PUBLISH (default
# java/cli/results/vae-paper-budget/<cell>), to be committed: on another machine the queue
# restarts its unfinished cells, and what was committed stays. Under `nice`, one thread.
#
# The protocol (java/cli/results/2026-12-07-vae-plateau/REPORT.md, "Recommended protocol"):
# SGD with momentum 0.9 at a constant learning rate searched log-uniformly in [3e-4, 3e-3] at
# B = 20 and [1e-3, 1e-2] at B = 200 (the score-function estimators in their own ranges: REINFORCE
# [1e-5, 3e-4], RLOO and DisARM [1e-5, 1e-3]); temperatures in [0.3, 1] (ReinMax in its own
# [1, 3]); the validation bound on 1000 validation images with M = 50 every 2,500 iterations;
# the test bound of the selected run on TEST_IMAGES (default 2000) test images with M = 5000.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${VAE_RUNS:-$HOME/vae-runs}
publish=${PUBLISH:-$root/java/cli/results/vae-paper-budget}
test_images=${TEST_IMAGES:-2000}
queue=(20:16:ST-GS 20:16:GR-MC100 20:16:GR-MC10 20:16:GR-MC1000 20:16:GS 20:16:ST
       20:16:REINFORCE 20:16:ZGR 20:16:ReinMax 20:16:GR-MC100-total
       20:2:ST-GS 20:2:GR-MC100 20:2:GR-MC10 20:2:GR-MC1000 20:2:GS 20:2:ST 20:2:REINFORCE
       20:2:ZGR 20:2:ReinMax 20:2:GR-MC100-total
       200:16:GS 200:16:ST-GS 200:16:GR-MC100)
[ $# -gt 0 ] && queue=("$@")

mkdir -p "$runs"
if [ ! -f "$runs/jar/gumbel-rao.jar" ]; then
  jar=$root/java/cli/target/gumbel-rao.jar
  if [ ! -f "$jar" ] || [ ! -d "$(dirname "$jar")/lib" ]; then (cd "$root" && mvn -q package -DskipTests); fi
  mkdir -p "$runs/jar"
  cp -r "$jar" "$(dirname "$jar")/lib" "$runs/jar/"
  git -C "$root" rev-parse HEAD > "$runs/jar/COMMIT"
fi
java -jar "$runs/jar/gumbel-rao.jar" vae --fetch-data > /dev/null

for cell in "${queue[@]}"; do
  IFS=: read -r b a est <<< "$cell"
  name=b$b-a$a-$est
  if [ -f "$runs/done/$name/DONE" ]; then continue; fi
  ranges=()
  case $est in
    REINFORCE|RLOO-*|DisARM) ;;
    *) if [ "$b" = 20 ]; then ranges+=(--lr-range 3e-4,3e-3); else ranges+=(--lr-range 1e-3,1e-2); fi ;;
  esac
  case $est in ReinMax) ;; *) ranges+=(--tau-range 0.3,1) ;; esac
  out=$runs/out/b$b-a$a
  mkdir -p "$out/log"
  start=$(date +%s)
  echo "$(date -u +%FT%TZ) start $cell ${ranges[*]}" >> "$runs/progress.log"
  OMP_WAIT_POLICY=PASSIVE nice -n 10 java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
    -Dai.djl.pytorch.num_interop_threads=1 -jar "$runs/jar/gumbel-rao.jar" vae --arities "$a" \
    --batch-sizes "$b" --estimators "$est" --iterations 50000 --search 3 --search-fraction 1 \
    "${ranges[@]}" --lr-decay 1 --eval-points 20 --eval-images 1000 --eval-samples 50 \
    --test-images "$test_images" --test-samples 5000 --seed 1 --quiet --out "$out" \
    > "$out/log/$est.out" 2> "$out/log/$est.err"
  rc=$?
  echo "$(date -u +%FT%TZ) end $cell rc=$rc" >> "$runs/progress.log"
  [ $rc -eq 0 ] || { echo "vae-paper-budget: $cell failed (rc $rc), see $out/log/$est.err"; exit $rc; }
  mkdir -p "$runs/done/$name" "$publish/$name"
  cp "$out"/vae-* "$out/log/$est.out" "$out/log/$est.err" "$runs/done/$name/"
  echo "cell $cell: $(( $(date +%s) - start )) s of wall time in this process (a resumed cell counts only its last part); jar from commit $(cat "$runs/jar/COMMIT"); $(date -u +%FT%TZ)" \
    > "$runs/done/$name/DONE"
  cp "$runs/done/$name"/* "$publish/$name/"
done
echo "vae-paper-budget: the queue is done; results in $publish"
