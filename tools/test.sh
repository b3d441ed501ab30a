#!/usr/bin/env bash
# The test command: installs what it needs, builds, and runs every test (unit, bpf packet tests,
# integration tests in network namespaces). Needs root: BPF, XDP and namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "tools/test.sh: run as root (the bpf and integration tests load XDP programs and create namespaces)" >&2
  exit 2
fi
./tools/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 300 "$@"
