#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the demo need. Idempotent: packages
# already present are skipped, and apt-get update runs only when something is missing.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang-14 llvm-14 lld-14
  libclang-rt-14-dev  # libFuzzer and the sanitizers for tests/fuzz
  libbpf-dev libxdp-dev xdp-tools bpftool linux-libc-dev libelf-dev zlib1g-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libldns-dev liburing-dev libcurl4-openssl-dev libssl-dev libmaxminddb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcap-ng-dev  # xgslbd drops the capabilities it no longer needs after start
  # tests and demo
  iproute2 ethtool jq knot-dnsutils ldnsutils
  knot dnsperf  # Knot DNS to compare answers with (knot_compare_test.sh), and the slow-path benchmark
  bind9 bind9-utils unbound nsd  # the demo's edge DNS and recursive resolver; NSD for the benchmarks
  bind9-dnsutils  # dig and nsupdate: the demo shows the delegation and tests signed updates with them
  python3 python3-yaml mmdb-bin curl gnuplot-nox  # the API-server test double, MaxMind DB checks, plots
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # bind9, unbound and nsd would start system-wide services on port 53; the tests and the demo
  # run their own instances in network namespaces, so keep the packages from starting any.
  policy_rc=/usr/sbin/policy-rc.d
  [ -e "$policy_rc" ] || { printf '#!/bin/sh\nexit 101\n' >"$policy_rc"; chmod +x "$policy_rc"; trap 'rm -f "$policy_rc"' EXIT; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# clang-14 installs versioned binaries; the build calls them by their plain names.
command -v clang >/dev/null || ln -sf /usr/bin/clang-14 /usr/local/bin/clang
command -v llvm-strip >/dev/null || ln -sf /usr/bin/llvm-strip-14 /usr/local/bin/llvm-strip
echo "install-deps: all ${#packages[@]} packages present"
