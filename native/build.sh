#!/usr/bin/env bash
# The native build as Maven runs it (java/library/pom.xml, initialize phase): CMake configure and
# build, with their output kept in BUILD_DIR/build.log instead of the console, so that a build
# prints nothing unless it fails; then the log's end goes to stderr. Quiet either way: Maven
# gives an exec'd program no way to know whether it runs with -q.
#
#   bash native/build.sh SOURCE_DIR BUILD_DIR [cmake configure options...]
#
# By hand, for the full output: cmake -S . -B target/native && cmake --build target/native
set -uo pipefail
src=$1
dir=$2
shift 2
mkdir -p "$dir"
log="$dir/build.log"
{
  echo "== cmake -S $src -B $dir $*"
  cmake -S "$src" -B "$dir" "$@" && echo "== cmake --build $dir --parallel" \
    && cmake --build "$dir" --parallel
} > "$log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  echo "native build failed (exit $rc); the last lines of $log:" >&2
  tail -n 60 "$log" >&2
fi
exit $rc
