#!/usr/bin/env bash
# The GPU runtime bundle's runner (built by cuda/bundle/make.sh). On a Linux x86-64 machine with an
# NVIDIA driver:
#
#   bash run.sh RESULTS_DIR [STEPS]
#
# STEPS, comma-separated, default all, in this order:
#   info       nvidia-smi and the library's view of the backends
#   check      gr_cuda_harness --check: every kernel against the CPU backend (arity x K x tau)
#   tests      the JUnit suite (GPU tests included; CPU and JAVA tests too; not the tests tagged
#              desktop, which need java.desktop)
#   memcheck   compute-sanitizer --tool memcheck over gr_cuda_harness --sanitize
#   racecheck  compute-sanitizer --tool racecheck over gr_cuda_harness --sanitize
#   bench      gr_cuda_harness --bench: the speed cases, native
#   jmh        the JMH suite: device-resident calls and host-array calls on CUDA
#   torch      the PyTorch anchor on the same shapes (when python3 has torch)
# Every step writes RESULTS_DIR/<step>.log; the last lines printed are a short table, also in
# RESULTS_DIR/summary.json. Each step has a time limit (seconds): GR_TIMEOUT_<STEP>, e.g.
# GR_TIMEOUT_TESTS=300.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: run.sh RESULTS_DIR [STEPS]}
steps=${2:-}
steps=${steps:-info,check,tests,memcheck,racecheck,bench,jmh,torch}
mkdir -p "$out"
out=$(cd "$out" && pwd)
java="$here/jre/bin/java"
harness="$here/bin/gr_cuda_harness"
deps=$(ls "$here"/lib/deps/*.jar | tr '\n' ':')
cp_all="$here/lib/test-classes:$here/lib/benchmarks.jar:$(ls "$here"/lib/gumbel-rao-cli-*.jar):$deps"
: > "$out/steps.tsv"

limit() { local v="GR_TIMEOUT_${1^^}"; echo "${!v:-$2}"; }

# run STEP LIMIT COMMAND...: runs it with a time limit, logs, and records status and seconds.
run() {
  local step=$1 secs=$2; shift 2
  case ",$steps," in *",$step,"*) ;; *) return 0 ;; esac
  echo "== $step (limit ${secs}s)"
  local start=$SECONDS
  timeout "$secs" "$@" > "$out/$step.log" 2>&1
  local rc=$?
  local took=$((SECONDS - start))
  local state=ok
  if [ $rc -eq 124 ]; then state=timeout; elif [ $rc -ne 0 ]; then state="failed($rc)"; fi
  printf '%s\t%s\t%s\n' "$step" "$state" "$took" >> "$out/steps.tsv"
  tail -n 3 "$out/$step.log" | sed 's/^/   /'
}

run info "$(limit info 60)" bash -c "nvidia-smi; '$java' -cp '$cp_all' dev.gumbelrao.cli.Main info"
run check "$(limit check 180)" "$harness" --check --json "$out/check.json"
run tests "$(limit tests 300)" "$java" -jar "$here"/lib/junit-platform-console-standalone-*.jar \
  execute --class-path "$cp_all" --scan-class-path "$here/lib/test-classes" \
  --exclude-tag desktop --details tree --disable-banner --disable-ansi-colors
if command -v compute-sanitizer > /dev/null; then
  run memcheck "$(limit memcheck 180)" compute-sanitizer --tool memcheck --error-exitcode 3 \
    "$harness" --sanitize
  run racecheck "$(limit racecheck 180)" compute-sanitizer --tool racecheck --error-exitcode 3 \
    "$harness" --sanitize
else
  printf 'memcheck\tskipped (no compute-sanitizer)\t0\nracecheck\tskipped (no compute-sanitizer)\t0\n' >> "$out/steps.tsv"
fi
run bench "$(limit bench 180)" "$harness" --bench --json "$out/bench.json"
run jmh "$(limit jmh 300)" "$java" -jar "$here/lib/benchmarks.jar" --backends cuda \
  --suites device,operations,small --ops gumbel-rao,sample --ks 1,10,100 --arities 8,16,1024 \
  --json "$out/jmh.json"
if python3 -c 'import torch; assert torch.cuda.is_available()' > /dev/null 2>&1; then
  run torch "$(limit torch 300)" python3 "$here/anchors/torch_gumbel_rao.py" "$out/torch.json"
else
  printf 'torch\tskipped (no python3 with torch and CUDA)\t0\n' >> "$out/steps.tsv"
fi

"$java" -cp "$cp_all" dev.gumbelrao.bench.GpuSummary "$out"
