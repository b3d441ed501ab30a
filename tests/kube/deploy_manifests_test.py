#!/usr/bin/env python3
"""Every deploy/kubernetes manifest parses and hangs together, and the ClusterRole grants exactly
the requests xgslb makes: the (verb, group, resource) triples of kKubePermissions in
userspace/cluster/kube_resources.h, the table KubeApi checks before each request."""
import re
import sys
from pathlib import Path

import yaml

root = Path(sys.argv[1])
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


docs = []
for path in sorted((root / "deploy/kubernetes").glob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if doc is None:
            continue
        check(all(k in doc for k in ("apiVersion", "kind", "metadata")), f"{path.name}: apiVersion/kind/metadata")
        check(bool(doc.get("metadata", {}).get("name")), f"{path.name}: metadata.name")
        docs.append(doc)
by_kind = {}
for d in docs:
    by_kind.setdefault(d["kind"], []).append(d)
for kind in ("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet"):
    check(len(by_kind.get(kind, [])) == 1, f"exactly one {kind}")
if failures:
    sys.exit("\n".join(failures))

# The code's table, one `{"verb", "group", "resource"},` per line.
header = (root / "userspace/cluster/kube_resources.h").read_text()
table = header[header.index("kKubePermissions"):]
table = table[:table.index("}};")]
code = set(re.findall(r'\{"(\w+)", "([\w.]*)", "([\w/]+)"\}', table))
declared = int(re.search(r"std::array<KubePermission, (\d+)> kKubePermissions", header).group(1))
check(len(code) == declared, f"read {len(code)} permissions from kube_resources.h, it declares {declared}")

role = by_kind["ClusterRole"][0]
granted = set()
for rule in role["rules"]:
    for key in ("apiGroups", "resources", "verbs"):
        check("*" not in rule.get(key, []), f"ClusterRole: wildcard in {key}")
    check("resourceNames" not in rule and "nonResourceURLs" not in rule, "ClusterRole: only plain resource rules")
    for g in rule["apiGroups"]:
        for r in rule["resources"]:
            for v in rule["verbs"]:
                granted.add((v, g, r))
for missing in sorted(code - granted):
    failures.append(f"ClusterRole lacks {missing} that the code uses")
for extra in sorted(granted - code):
    failures.append(f"ClusterRole grants {extra} that the code never uses")

ns = by_kind["Namespace"][0]["metadata"]["name"]
sa = by_kind["ServiceAccount"][0]
check(sa["metadata"].get("namespace") == ns, "ServiceAccount in the xgslb namespace")
binding = by_kind["ClusterRoleBinding"][0]
check(binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                             "name": role["metadata"]["name"]}, "ClusterRoleBinding.roleRef names the ClusterRole")
check({"kind": "ServiceAccount", "name": sa["metadata"]["name"], "namespace": ns} in binding["subjects"],
      "ClusterRoleBinding binds the ServiceAccount")

ds = by_kind["DaemonSet"][0]
pod = ds["spec"]["template"]["spec"]
check(ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items(),
      "DaemonSet selector matches its pod labels")
check(pod.get("serviceAccountName") == sa["metadata"]["name"], "DaemonSet runs as the ServiceAccount")
check(pod.get("hostNetwork") is True, "DaemonSet: hostNetwork (XDP on the node's interface)")
check(pod.get("dnsPolicy") == "ClusterFirstWithHostNet", "DaemonSet: dnsPolicy for hostNetwork")
container = pod["containers"][0]
caps = set(container["securityContext"]["capabilities"]["add"])
for cap in ("BPF", "NET_ADMIN", "NET_BIND_SERVICE"):
    check(cap in caps, f"DaemonSet: capability {cap}")
check(container["securityContext"].get("privileged") is not True, "DaemonSet: capabilities, not privileged")
env = {e["name"]: e for e in container.get("env", [])}
check(env.get("POD_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name",
      "DaemonSet: POD_NAME from the downward API (the Lease identity)")
volumes = {v["name"]: v for v in pod["volumes"]}
mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
check("/sys/fs/bpf" in mounts and volumes[mounts["/sys/fs/bpf"]["name"]].get("hostPath", {}).get("path") == "/sys/fs/bpf",
      "DaemonSet: the host's /sys/fs/bpf mounted at /sys/fs/bpf")
cm = by_kind["ConfigMap"][0]
config_volume = [v for v in volumes.values() if "configMap" in v]
check(len(config_volume) == 1 and config_volume[0]["configMap"]["name"] == cm["metadata"]["name"],
      "DaemonSet mounts the ConfigMap")
config_mount = [m for m in container["volumeMounts"] if m["name"] == config_volume[0]["name"]][0]["mountPath"]
args = container.get("args", [])
check("--config" in args and args[args.index("--config") + 1] == config_mount + "/config.yaml",
      "DaemonSet: --config points into the ConfigMap mount")
config = yaml.safe_load(cm["data"]["config.yaml"])
kube = config.get("source", {}).get("kubernetes")
check(isinstance(kube, dict) and "kubeconfig" not in kube, "config: source.kubernetes, in-cluster")
defaults = (root / "userspace/cluster/kubernetes_source_config.h").read_text()
default_ns = re.search(r'std::string lease_namespace = "([^"]*)";', defaults).group(1)
check(kube.get("leaderElection", {}).get("namespace", default_ns) == ns, "config: the Lease lives in the manifests' namespace")

if failures:
    sys.exit("deploy manifests:\n  " + "\n  ".join(failures))
print(f"deploy manifests: {len(docs)} objects, ClusterRole = kKubePermissions ({len(code)} verb/resource pairs)")
