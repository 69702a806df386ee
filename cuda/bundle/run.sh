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
#   graph      gr_cuda_harness --graph: a training step captured into a CUDA graph, replayed 100
#              times, against uncaptured calls; bad rows still reported
#   limits     gr_cuda_harness --limits: K = 2^31 - 1, many draws at arity > 4096, staging
#              memory released for every thread (issue 9)
#   split      gr_cuda_harness --split: every operation on 1, 2, 3 and 7 chunks of a batch (the
#              noise's first_row) against the whole batch, bit for bit, CPU and GPU
#   nvtx       every public operation's NVTX range (gr_nvtx_ranges_test under the recorder
#              tool) and the host cost of a range (gr_cuda_harness --nvtx-overhead)
#   memcheck   compute-sanitizer --tool memcheck over gr_cuda_harness --sanitize
#   racecheck  compute-sanitizer --tool racecheck over gr_cuda_harness --sanitize
#   bench      gr_cuda_harness --bench: the speed cases, native
#   jmh        the JMH suite: device-resident calls and host-array calls on CUDA
#   nsys       Nsight Systems report of a short JMH run of the device-resident and host-array
#              Gumbel-Rao benchmarks (nsys-jmh.nsys-rep, and nsys-jmh_*.csv from nsys stats)
#   ncu        Nsight Compute report of the Gumbel-Rao team kernel at 2^20 x 16, K = 100
#              (ncu-gr-team.ncu-rep, and ncu-gr-team.csv: its raw metrics)
#   torch      the PyTorch anchor on the same shapes (when python3 has torch)
# nsys and ncu are skipped, with the tool's own message, when the tool is missing or the machine
# refuses it (e.g. ERR_NVGPUCTRPERM: no access to the performance counters).
# Every step writes RESULTS_DIR/<step>.log; the last lines printed are a short table, also in
# RESULTS_DIR/summary.json. Each step has a time limit (seconds): GR_TIMEOUT_<STEP>, e.g.
# GR_TIMEOUT_TESTS=300.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: run.sh RESULTS_DIR [STEPS]}
steps=${2:-}
steps=${steps:-info,check,tests,graph,limits,split,nvtx,memcheck,racecheck,bench,jmh,nsys,ncu,torch}
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
  # A profiler that the machine refuses (no counters access, unsupported card or driver) is a
  # skip, reported with the tool's own words, not a failure of the library.
  if [ $rc -ne 0 ] && { [ "$step" = nsys ] || [ "$step" = ncu ]; }; then
    local why
    why=$(grep -m1 -E 'ERR_NVGPUCTRPERM|==ERROR==|[Pp]ermission|not supported|[Uu]nsupported|Insufficient|[Ff]ailed to' \
          "$out/$step.log" | tr '\t' ' ' | cut -c1-200)
    [ -n "$why" ] && state="skipped ($why)"
  fi
  printf '%s\t%s\t%s\n' "$step" "$state" "$took" >> "$out/steps.tsv"
  tail -n 3 "$out/$step.log" | sed 's/^/   /'
}
# skip STEP WHY: records a step that cannot run here.
skip() {
  case ",$steps," in *",$1,"*) ;; *) return 0 ;; esac
  printf '%s\tskipped (%s)\t0\n' "$1" "$2" >> "$out/steps.tsv"
  echo "== $1: skipped ($2)"
}

run info "$(limit info 60)" bash -c "nvidia-smi; '$java' -cp '$cp_all' dev.gumbelrao.cli.Main info"
run check "$(limit check 180)" "$harness" --check --json "$out/check.json"
run tests "$(limit tests 300)" "$java" -jar "$here"/lib/junit-platform-console-standalone-*.jar \
  execute --class-path "$cp_all" --scan-class-path "$here/lib/test-classes" \
  --exclude-tag desktop --details tree --disable-banner --disable-ansi-colors
run graph "$(limit graph 120)" "$harness" --graph --json "$out/graph.json"
run limits "$(limit limits 240)" "$harness" --limits --json "$out/limits.json"
run split "$(limit split 60)" "$harness" --split --json "$out/split.json"
run nvtx "$(limit nvtx 60)" bash -c "NVTX_INJECTION64_PATH='$here/lib/libgr_nvtx_recorder.so' \
  '$here/bin/gr_nvtx_ranges_test' && '$harness' --nvtx-overhead && \
  NVTX_INJECTION64_PATH='$here/lib/libgr_nvtx_recorder.so' '$harness' --nvtx-overhead"
if command -v compute-sanitizer > /dev/null; then
  run memcheck "$(limit memcheck 180)" compute-sanitizer --tool memcheck --error-exitcode 3 \
    "$harness" --sanitize
  run racecheck "$(limit racecheck 180)" compute-sanitizer --tool racecheck --error-exitcode 3 \
    "$harness" --sanitize
else
  skip memcheck "no compute-sanitizer"
  skip racecheck "no compute-sanitizer"
fi
run bench "$(limit bench 180)" "$harness" --bench --json "$out/bench.json"
run jmh "$(limit jmh 300)" "$java" -jar "$here/lib/benchmarks.jar" --backends cuda \
  --suites device,operations,small --ops gumbel-rao,sample --ks 1,10,100 --arities 8,16,1024 \
  --json "$out/jmh.json"
# The JVM flags that keep a timeline readable: one GC thread (serial GC, fixed heap: no resizing
# pauses), two JIT compiler threads; JMH in-process (-f 0) so that the report has one JVM.
jvm_flags=(-XX:+UseSerialGC -Xms2g -Xmx2g -XX:CICompilerCount=2)
if command -v nsys > /dev/null; then
  run nsys "$(limit nsys 300)" bash -c "nsys profile --trace=cuda,nvtx --sample=none --cpuctxsw=none \
      --cuda-graph-trace=node --force-overwrite=true --output '$out/nsys-jmh' \
      '$java' ${jvm_flags[*]} -jar '$here/lib/benchmarks.jar' --backends cuda --suites device,operations \
      --ops gumbel-rao --ks 100 --arities 8,16 -f 0 -wi 1 -w 1s -i 2 -r 1s --json '$out/nsys-jmh.json' \
    && { nsys stats --force-export=true --format csv --output '$out/nsys-jmh' \
      --report nvtx_sum,cuda_gpu_kern_sum,cuda_api_sum,nvtx_pushpop_trace,cuda_api_trace,cuda_gpu_trace \
      '$out/nsys-jmh.nsys-rep' || echo 'nsys stats failed (older nsys report names?): the .nsys-rep is complete'; }"
else
  skip nsys "no nsys on the PATH"
fi
if command -v ncu > /dev/null; then
  run ncu "$(limit ncu 300)" bash -c "ncu --set full --import-source yes -k regex:gumbel_rao_team_kernel -c 1 \
      --force-overwrite -o '$out/ncu-gr-team' '$harness' --bench --once --only gr_1048576x16_K100_t0.5 \
    && ncu --import '$out/ncu-gr-team.ncu-rep' --page raw --csv > '$out/ncu-gr-team.csv'"
else
  skip ncu "no ncu on the PATH"
fi
if python3 -c 'import torch; assert torch.cuda.is_available()' > /dev/null 2>&1; then
  run torch "$(limit torch 300)" python3 "$here/anchors/torch_gumbel_rao.py" "$out/torch.json"
else
  skip torch "no python3 with torch and CUDA"
fi

"$java" -cp "$cp_all" dev.gumbelrao.bench.GpuSummary "$out"
