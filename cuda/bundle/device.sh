#!/usr/bin/env bash
# One command for a GPU machine reached through a tool that returns only a few files from an
# output folder: runs the bundle's runner into a scratch folder, then leaves in OUT_DIR the
# summary (summary.json), the runner's console output (run.log) and everything else packed as
# results.tar.gz.
#
#   bash .bundle/device.sh OUT_DIR [STEPS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: device.sh OUT_DIR [STEPS]}
work=$(mktemp -d)
mkdir -p "$out"
bash "$here/run.sh" "$work" "${2:-}" 2>&1 | tee "$out/run.log"
cp "$work/summary.json" "$out/" 2>/dev/null
tar czf "$out/results.tar.gz" -C "$work" .
