#!/usr/bin/env bash
# Builds the kernels and the harness for the host emulator (cuda/emu/README.md):
#   cuda/emu/build.sh OUT_DIR CPU_LIBRARY
# CPU_LIBRARY: libgumbelrao_native.a of a CPU-only build (cmake -DGR_WITH_CUDA=OFF), which holds
# the reference backend. Produces OUT_DIR/gr_cuda_harness_emu, built with AddressSanitizer and
# UBSan so that every global-memory access of the kernels is bounds-checked.
set -euo pipefail
out=$1
cpu_lib=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$out"
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
       -Wno-unknown-pragmas -I"$here/include" -I"$root/native/include" -I"$root/cuda")
objs=()
pids=()
for f in status sample conditional_gumbel gumbel_rao softmax_family reinforce runtime harness; do
  python3 "$here/translate.py" "$root/cuda/$f.cu" > "$out/$f.cpp"
  g++ "${flags[@]}" -c "$out/$f.cpp" -o "$out/$f.o" &
  pids+=($!)
  objs+=("$out/$f.o")
done
g++ "${flags[@]}" -c "$here/emu.cpp" -o "$out/emu.o" &
pids+=($!)
for pid in "${pids[@]}"; do wait "$pid"; done  # set -e stops at the first failed compile
g++ -fsanitize=address,undefined -o "$out/gr_cuda_harness_emu" "${objs[@]}" "$out/emu.o" \
    "$cpu_lib" -lpthread
echo "built $out/gr_cuda_harness_emu"
