#!/usr/bin/env bash
# The publishing run of the discrete VAE experiment (the paper's Table 2; java/cli/VAE.md, "The discrete
# VAE on binarized MNIST"): arities 2 and 16, batch sizes 20 and 200, every estimator of the
# table, a 4-candidate search per estimator and setting (each candidate trained for a fifth of
# the iterations, the best on the validation bound continued to the end), iterations sized from
# step times measured first so that everything fits the budget (default 120 minutes of
# compute, the timing itself not counted), the test bound on the 10,000 test images with M =
# TEST_SAMPLES (default 100), and the bound against M up to the paper's 5000 on 100 test images
# for ST-GS and GR-MC1000. Writes OUT/vae-table.md, vae-evaluations.csv, vae-runs.csv,
# vae-validation.png, vae-timing.md/.csv, vae-plan.txt, vae-bound-vs-M.md/.csv.
#
#   bash java/cli/vae-publish.sh [OUT] [BUDGET_MINUTES]      (default: vae-results/publish 120)
#   PLAN_ONLY=1 bash java/cli/vae-publish.sh OUT MINUTES     measure step times, write and print
#                                                            OUT/vae-plan.txt, run nothing
#
# Environment: JAR (default java/cli/target/gumbel-rao.jar; a copy lets the tree be rebuilt
# while a run goes on), TEST_SAMPLES (100), EVAL_POINTS (20), NICE (0).
# Run it on a quiet machine: the plan is sized from the step times it measures, and other load
# makes them (and the iterations that fit) worse. Interrupted (Ctrl-C, a lost session), it
# resumes when run again with the same arguments: the plan is read back from OUT/vae-plan.txt
# and every run continues from its checkpoint.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-vae-results/publish}
budget=${2:-120}
jar=${JAR:-java/cli/target/gumbel-rao.jar}
if [ ! -f "$jar" ] || [ ! -f "$(dirname "$jar")/lib/pytorch-native-cpu-2.7.1-linux-x86_64.jar" ]; then
  mvn -q package -DskipTests
fi
plan=()
[ -n "${PLAN_ONLY:-}" ] && plan=(--plan-only)
java -jar "$jar" vae --fetch-data
start=$(date +%s)
nice -n "${NICE:-0}" java -jar "$jar" vae --arities 2,16 --batch-sizes 20,200 --estimators all \
  --search 4 --search-fraction 0.2 --budget-minutes "$budget" --timing 50 \
  --eval-points "${EVAL_POINTS:-20}" --eval-images 500 --eval-samples 10 \
  --test-images 10000 --test-samples "${TEST_SAMPLES:-100}" \
  --bound-check 1,10,100,1000,5000 --bound-check-images 100 --bound-check-estimators ST-GS,GR-MC1000 \
  --seed 1 --out "$out" "${plan[@]}"
echo "vae-publish: $(( ($(date +%s) - start) / 60 )) min of wall time; results in $out"
