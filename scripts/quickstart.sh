#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: install dependencies, build, and
# run the main job on the bundled example model.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
"$root/scripts/demo.sh"
