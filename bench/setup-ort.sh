#!/usr/bin/env bash
# Installs ONNX Runtime (npm onnxruntime-node, CPU) into bench/node_modules.
# --ignore-scripts matters: the package's install script downloads CUDA parts;
# the CPU binaries are already in the tarball. Only reference generation and
# benchmarks use it; Kiln itself never does.
set -euo pipefail
cd "$(dirname "$0")"
if [[ -f node_modules/onnxruntime-node/package.json ]]; then
  echo "setup-ort: onnxruntime-node is installed"
  exit 0
fi
npm install --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0
