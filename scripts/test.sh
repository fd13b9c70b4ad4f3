#!/usr/bin/env bash
# Builds Kiln and runs every test: lit (dialect, importer, corpus, end to end)
# and the unit tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure "$@"
