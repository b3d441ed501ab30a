#!/usr/bin/env bash
# deploy/systemd/xgslbd.service is valid for this systemd (systemd-analyze verify, with the
# binary paths pointed at the build), and its capability bounding set is exactly what xgslbd
# needs at start (`xgslbd --capabilities`, userspace/capabilities.h): nothing more is granted,
# and nothing the daemon needs is taken away. PID 1 here is not systemd, so the unit is not started.
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 0; }
work=$(mktemp -d /tmp/xgslb-unit.XXXXXX)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/local/bin/xgslbd|$build/userspace/xgslbd|g" "$src/deploy/systemd/xgslbd.service" >"$work/xgslbd.service"
out=$(systemd-analyze verify "$work/xgslbd.service" 2>&1) || { echo "FAIL: systemd-analyze verify: $out"; exit 1; }
[[ -z $out ]] || { echo "FAIL: systemd-analyze verify warned: $out"; exit 1; }
bounding=$(grep '^CapabilityBoundingSet=' "$work/xgslbd.service" | cut -d= -f2 | tr ' ' '\n' | sort | xargs)
start=$("$build/userspace/xgslbd" --capabilities | jq -r .start | tr ' ' '\n' | sort | xargs)
runtime=$("$build/userspace/xgslbd" --capabilities | jq -r .runtime)
[[ $bounding == "$start" ]] || { echo "FAIL: unit bounding set '$bounding' != the daemon's start set '$start'"; exit 1; }
for cap in $runtime; do
  [[ " $bounding " == *" $cap "* ]] || { echo "FAIL: unit bounding set lacks $cap, kept after the drop"; exit 1; }
done
echo "ok   systemd unit: verify clean, bounding set = xgslbd --capabilities start set ($start)"
