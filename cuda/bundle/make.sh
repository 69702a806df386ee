#!/usr/bin/env bash
# Builds, on this machine, the GPU runtime bundle: everything needed to run the GPU tests, the
# harness, compute-sanitizer and the benchmarks on a Linux x86-64 machine that has only an NVIDIA
# driver (no JDK, no Maven). See cuda/bundle/README.md.
#
#   bash cuda/bundle/make.sh [OUT]          (default OUT: .bundle, ignored by git)
#
# Then, on the GPU machine:  bash OUT/run.sh RESULTS_DIR [STEPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.bundle}

mvn -q install -DskipTests
grep -q '^cuda=ON' java/library/target/native/lib/build-info.properties || {
  echo "the native build has no CUDA (nvcc not found?): nothing to run on a GPU" >&2; exit 1; }
mvn -q test-compile
mvn -q -f bench/pom.xml package

rm -rf "$out"
mkdir -p "$out/lib" "$out/bin" "$out/anchors"
out=$(cd "$out" && pwd)  # absolute: the Maven calls below run in java/library

# A Java runtime with only the modules the library, JUnit and JMH use.
jlink --add-modules java.base,java.logging,java.management,jdk.unsupported \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out/jre"

# The library with its natives, JavaCPP, JMH and the benchmarks: one jar, one copy of the natives.
cp bench/target/benchmarks.jar "$out/lib/"
# The command line (info), without its dependencies: they are in benchmarks.jar.
cp java/cli/target/gumbel-rao-cli-*-SNAPSHOT.jar "$out/lib/"
# Test classes as a directory: scanning a jar would need the jdk.zipfs module.
cp -r java/library/target/test-classes "$out/lib/test-classes"
# Test dependencies, but not the library's own jar (inside benchmarks.jar) nor JCuda's 26 MB
# natives jar: a slim copy with the two libraries the tests load replaces it.
mvn -q -f java/library/pom.xml dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$out/lib/deps" \
  -DexcludeArtifactIds=jcuda-natives,javacpp
mvn -q -f java/library/pom.xml dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.4 \
  -DoutputDirectory="$out/lib"
rm -f "$out"/lib/deps/junit-* "$out"/lib/deps/opentest4j-* "$out"/lib/deps/apiguardian-*
natives=$(find ~/.m2/repository/org/jcuda/jcuda-natives -name "jcuda-natives-*-linux-x86_64.jar" | sort | tail -n1)
slim=$(mktemp -d)
(cd "$slim" && unzip -q "$natives" 'lib/libJCudaRuntime-*' 'lib/libJCudaDriver-*' \
  && jar cf jcuda-natives-slim.jar lib)
cp "$slim/jcuda-natives-slim.jar" "$out/lib/deps/"
rm -rf "$slim"

cp java/library/target/native/gr_cuda_harness java/library/target/native/gr_nvtx_ranges_test "$out/bin/"
# The NVTX test tool (native/test/nvtx_recorder.cpp), for the nvtx step.
cp java/library/target/native/libgr_nvtx_recorder.so "$out/lib/"
cp bench/anchors/torch_gumbel_rao.py "$out/anchors/"
cp cuda/bundle/run.sh cuda/bundle/device.sh "$out/"
chmod +x "$out/run.sh" "$out/device.sh" "$out/bin/gr_cuda_harness" "$out/bin/gr_nvtx_ranges_test"

echo "bundle: $out ($(du -sh "$out" | cut -f1))"
du -sh "$out"/* | sort -h
