#!/usr/bin/env bash
# The main job: compile the bundled example model (stories260K, a trained
# Llama-style decoder) to a shared library with its C header, check it against
# ONNX Runtime's logits, and greedy-decode 31 tokens from a C program.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
out=$build/demo
mkdir -p "$out"
model="$root/test/corpus/stories260K/stories260K_nopast.onnx"

echo "== kilnc: $(basename "$model") -> $out/stories.so + stories.h"
"$build/bin/kilnc" --name=stories --input-shape input_ids=1x32 "$model" -o "$out/stories.so"
sed -n '1,12p' "$out/stories.h"

echo "== kiln-run: logits for a 16-token prompt vs ONNX Runtime"
"$build/bin/kilnc" --name=stories16 --input-shape input_ids=1x16 "$model" -o "$out/stories16.so"
"$build/bin/kiln-run" "$out/stories16.so" -i "$root/test/models/stories260K.in0.npy" \
  -e "$root/test/models/stories260K.out0.npy"

echo "== cc examples/generate.c stories.so libkiln_rt.a && ./generate"
cc -std=c11 -O2 -I"$root/runtime/include" -I"$out" "$root/examples/generate.c" \
  "$out/stories.so" "$build/lib/libkiln_rt.a" -Wl,-rpath,"$out" -o "$out/generate"
"$out/generate"
