#!/usr/bin/env bash
# Builds Kiln with AddressSanitizer + UBSan in build-asan/ and feeds kilnc the
# bad inputs the importer tests use (truncated file, random bytes, a node
# reading a missing input, a short initializer, short external data, a cycle,
# unsupported ops), plus a full compile of a real model and the graph
# optimizer on models that exercise every fusion. Any sanitizer report
# or crash fails the script.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-asan
if [[ "$(dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null)" != "install ok installed" ]]; then
  echo "asan-check: needs the sanitizer runtime: apt-get install libclang-rt-22-dev" >&2
  exit 2
fi
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DKILN_ENABLE_ASAN=ON -DBUILD_TESTING=OFF
fi
cmake --build "$build" --target kilnc kiln-run
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
inputs=$root/test/importer/Inputs
status=0
for f in truncated random_bytes missing_input short_initializer external_data_short \
         cycle unsupported string_input no_such_file; do
  out=$("$build/bin/kilnc" --emit=mlir "$inputs/$f.onnx" -o /dev/null 2>&1) && rc=0 || rc=$?
  if [[ $rc -ne 1 ]] || grep -q "Sanitizer" <<<"$out"; then
    echo "FAIL $f (exit $rc)"; echo "$out" | tail -20; status=1
  else
    echo "ok   $f: $(grep -m1 'error:' <<<"$out")"
  fi
done
tmp=$(mktemp -d)
"$build/bin/kilnc" "$root/test/models/gpt2_tiny_opset14.onnx" -o "$tmp/gpt2.so"
"$build/bin/kiln-run" "$tmp/gpt2.so" -i "$root/test/models/gpt2_tiny_opset14.in0.npy" \
  -e "$root/test/models/gpt2_tiny_opset14.out0.npy" && echo "ok   full compile + run of gpt2_tiny"
# The graph optimizer on every fusion family: attention with RoPE, GQA and
# past KV, norms, GELU, packing and epilogues.
for m in llama_tiny_opset14 gpt2_past_tiny_opset14 bert_sdpa_tiny_opset14 distilbert_tiny_opset17; do
  out=$("$build/bin/kilnc" --emit=kiln --report "$root/test/models/$m.onnx" -o /dev/null 2>&1) && rc=0 || rc=$?
  if [[ $rc -ne 0 ]] || grep -q "Sanitizer" <<<"$out"; then
    echo "FAIL graph optimizer on $m (exit $rc)"; echo "$out" | tail -20; status=1
  else
    echo "ok   graph optimizer on $m"
  fi
done
rm -rf "$tmp"
exit $status
