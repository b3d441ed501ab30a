#!/usr/bin/env bash
# deploy/systemd/xgslbd.service is valid for this systemd (systemd-analyze verify, with the
# binary paths pointed at the build), and its capability bounding set holds every capability
# xgslbd keeps after its drop (userspace/capabilities.h): the unit must not take away what the
# daemon needs at run time. PID 1 here is not systemd, so the unit is not started.
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 0; }
work=$(mktemp -d /tmp/xgslb-unit.XXXXXX)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/local/bin/xgslbd|$build/userspace/xgslbd|g" "$src/deploy/systemd/xgslbd.service" >"$work/xgslbd.service"
out=$(systemd-analyze verify "$work/xgslbd.service" 2>&1) || { echo "FAIL: systemd-analyze verify: $out"; exit 1; }
[[ -z $out ]] || { echo "FAIL: systemd-analyze verify warned: $out"; exit 1; }
bounding=$(grep '^CapabilityBoundingSet=' "$work/xgslbd.service")
for cap in CAP_BPF CAP_NET_ADMIN CAP_PERFMON; do
  grep -q "$cap" "$src/userspace/capabilities.cpp" || { echo "FAIL: $cap no longer kept by the daemon; update the test"; exit 1; }
  [[ $bounding == *"$cap"* ]] || { echo "FAIL: unit bounding set lacks $cap"; exit 1; }
done
echo "ok   systemd unit: verify clean, bounding set covers the kept capabilities"
