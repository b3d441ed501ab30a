#!/usr/bin/env bash
# Installs the Debian packages (idempotent) and builds into build/ (or $BUILD_DIR): everything,
# or only the targets named as arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}"
