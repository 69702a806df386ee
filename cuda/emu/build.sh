#!/usr/bin/env bash
# Builds the kernels and the harness for the host emulator (cuda/emu/README.md):
#   cuda/emu/build.sh OUT_DIR CPU_LIBRARY
# CPU_LIBRARY: libgumbelrao_native_cpu.a of a CPU-only build (cmake -DGR_WITH_CUDA=OFF), which holds
# the reference backend and the operations' entry points; that build's generated/ folder (next to
# the library) gives the CUDA staging of the operations (operations_cuda_staged.cu), whose
# objects here replace the build's no-CUDA stubs. Produces OUT_DIR/gr_cuda_harness_emu and OUT_DIR/gr_nvtx_ranges_test_emu
# (native/test/nvtx_ranges_test.cpp against the emulated CUDA backend), built with
# AddressSanitizer and UBSan so that every global-memory access of the kernels is bounds-checked.
# The NVTX ranges are compiled in when the NVTX3 headers are found (next to nvcc, in CUDA_HOME or
# /usr/local/cuda), as in the library's build.
set -euo pipefail
out=$1
cpu_lib=$2
generated=$(cd "$(dirname "$cpu_lib")/generated" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$out"
# GR_DRAW_WINDOW=64: Gumbel-Rao's block-per-row kernel takes its draws in windows of 64 instead
# of 2048, so that the emulator's sizes (K = 130 in --sanitize) cross windows; the window logic is
# the same, and the harness's --limits cases cross real 2048-draw windows on a GPU.
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
       -Wno-unknown-pragmas -DGR_DRAW_WINDOW=64 -I"$here/include" -I"$root/native/include"
       -I"$generated" -I"$root/cuda")
nvtx_dir=""
for d in "$(dirname "$(command -v nvcc 2>/dev/null || echo /nonexistent/bin/nvcc)")/../include" \
         "${CUDA_HOME:-/nonexistent}/include" /usr/local/cuda/include; do
  if [ -f "$d/nvtx3/nvToolsExt.h" ]; then nvtx_dir=$(cd "$d" && pwd); break; fi
done
if [ -n "$nvtx_dir" ]; then
  # After the emulator's own headers: its cuda_runtime.h must win over the toolkit's.
  flags+=(-DGR_NVTX -idirafter "$nvtx_dir")
  echo "NVTX ranges: on ($nvtx_dir/nvtx3)"
else
  echo "NVTX ranges: off (nvtx3/nvToolsExt.h not found)"
fi
objs=()
pids=()
for f in status sample conditional_gumbel gumbel_rao softmax_family reinforce choice_family rloo indecater \
         binary runtime host_staging device_query operations_cuda_staged harness harness_graph \
         harness_limits harness_nvtx harness_reference harness_split; do
  src="$root/cuda/$f.cu"
  [ -f "$src" ] || src="$generated/$f.cu"
  python3 "$here/translate.py" "$src" > "$out/$f.cpp"
  g++ "${flags[@]}" -c "$out/$f.cpp" -o "$out/$f.o" &
  pids+=($!)
  case $f in harness*) ;; *) objs+=("$out/$f.o") ;; esac
done
g++ "${flags[@]}" -c "$here/emu.cpp" -o "$out/emu.o" &
pids+=($!)
g++ "${flags[@]}" -c "$root/native/test/nvtx_ranges_test.cpp" -o "$out/nvtx_ranges_test.o" &
pids+=($!)
for pid in "${pids[@]}"; do wait "$pid"; done  # set -e stops at the first failed compile
g++ -fsanitize=address,undefined -o "$out/gr_cuda_harness_emu" "${objs[@]}" "$out"/harness*.o \
    "$out/emu.o" "$cpu_lib" -lpthread -ldl
g++ -fsanitize=address,undefined -o "$out/gr_nvtx_ranges_test_emu" "${objs[@]}" \
    "$out/nvtx_ranges_test.o" "$out/emu.o" "$cpu_lib" -lpthread -ldl
echo "built $out/gr_cuda_harness_emu $out/gr_nvtx_ranges_test_emu"
