#!/usr/bin/env bash
# Installs what Kiln needs to build and test, from Debian 12's archive.
# Idempotent: packages already present are not reinstalled, and apt is not
# touched at all when nothing is missing.
set -euo pipefail

packages=(
  # toolchain: LLVM/MLIR 22 (mlir-22-tools is needed by MLIR's CMake package)
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
  cmake ninja-build ccache
  # import: ONNX and protobuf; formatting; unit tests
  libonnx-dev libprotobuf-dev protobuf-compiler libfmt-dev libgtest-dev
  # test data generation and conformance data
  python3-onnx python3-numpy libonnx-testdata
  # AArch64 cross-build and emulation for the AArch64 tests
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
