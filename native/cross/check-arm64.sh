#!/usr/bin/env bash
# The linux-arm64 natives checked under qemu-user against the x86-64 ones (CI runs this):
#  1. native/check/outputs.cpp, built for arm64 (NEON) and for x86-64, writes every operation's
#     outputs on the same inputs; the arm64 outputs are compared with those of every x86-64
#     instruction set this CPU has: Philox words, uniforms and D bit-identical, gradients and
#     soft outputs within the agreement tolerance, conditional noise within 2e-5 + 1e-6 |G|;
#  2. the arm64 JNI library of the jar loads with every symbol resolved (native/check/load_library.cpp).
# Needs g++-aarch64-linux-gnu and qemu-user-static (Debian), and a Maven build first (its native
# folders and the linux-arm64 natives in java/library/target/natives). Usage:
# bash native/cross/check-arm64.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in aarch64-linux-gnu-g++ qemu-aarch64-static; do
  command -v "$tool" >/dev/null || { echo "check-arm64: $tool not found (apt-get install g++-aarch64-linux-gnu qemu-user-static)"; exit 1; }
done
x86=java/library/target/native
arm=java/library/target/native-arm64
jni=java/library/target/natives/linux-arm64/dev/gumbelrao/backends/linux-arm64/libjnigumbelrao.so
work=java/library/target/check-arm64
mkdir -p "$work"
# Maven's native builds (java/library/pom.xml) hold gr_check_outputs, linked to the CPU archive.
cmake --build "$x86" --target gr_check_outputs --parallel >/dev/null
cmake --build "$arm" --target gr_check_outputs --parallel >/dev/null
qemu() { qemu-aarch64-static -L /usr/aarch64-linux-gnu "$@"; }

echo "== outputs: linux-arm64 (NEON, under qemu) against x86-64"
qemu "$arm/gr_check_outputs" write "$work/arm64.bin"
status=0
for isa in avx512 avx2 x86-64; do
  if GR_CHECK_ISA=$isa "$x86/gr_check_outputs" write "$work/$isa.bin" 2>/dev/null; then
    printf '%s vs neon: ' "$isa"
    "$x86/gr_check_outputs" compare "$work/$isa.bin" "$work/arm64.bin" || status=1
  fi
done

echo "== the jar's linux-arm64 JNI library loads"
if [ -f "$jni" ]; then
  aarch64-linux-gnu-g++ -O1 -o "$work/load_library" native/check/load_library.cpp -ldl
  qemu "$work/load_library" "$jni" JNI_OnLoad || status=1
else
  echo "missing $jni: build with mvn first (with g++-aarch64-linux-gnu installed)"
  status=1
fi
exit $status
