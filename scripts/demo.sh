#!/usr/bin/env bash
# The main job: import the bundled example model (a trained 260K-parameter
# Llama-style decoder) and print its kiln IR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
model="$root/test/corpus/stories260K/stories260K_nopast.onnx"
echo "== kilnc --emit=mlir --input-shape input_ids=1x16 --elide-weights $(basename "$model")"
"$build/bin/kilnc" --emit=mlir --input-shape input_ids=1x16 --elide-weights "$model"
