#!/usr/bin/python3
"""deploy/helm/xgslb, rendered by the real `helm template` (offline), checked without a cluster:

* `helm lint` passes; every rendered object deserializes into its Kubernetes model
  (python3-kubernetes) with no field the model does not know (a typo'd or misplaced key shows as
  a key lost in the round trip) and its required fields present;
* the ConfigMap's config.yaml is accepted by `xgslbd --check` (the daemon's own validation), with
  k8gb's values (dnsZone, edgeDNSZone, edgeDNSServers, clusterGeoTag, extGslbClustersGeoTags)
  where xgslb's config wants them, also with edge updates on;
* the ClusterRole grants exactly what deploy/kubernetes/rbac.yaml grants (which
  deploy_manifests_test.py holds equal to the requests the code makes);
* the DaemonSet: hostNetwork, the host's bpffs, not privileged, and the capabilities exactly
  `xgslbd --capabilities`' start set, as deploy/kubernetes' DaemonSet and the systemd unit.

usage: helm_chart_test.py SOURCE_DIR BUILD_DIR   (exit 77: no helm installed)"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from kubernetes import client

src, build = Path(sys.argv[1]), Path(sys.argv[2])
chart = src / "deploy/helm/xgslb"
xgslbd = build / "userspace/xgslbd"
helm = shutil.which("helm")
if not helm:
    print("SKIP: no helm (tools/install-deps.sh installs it)")
    sys.exit(77)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def render(*sets):
    args = [helm, "template", "rel", str(chart), "--namespace", "gslb", "--set", "xdp.answer={10.0.0.2:53}"]
    for s in sets:
        args += ["--set", s]
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"helm template {' '.join(sets)} failed: {out.stderr}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


MODELS = {"DaemonSet": "V1DaemonSet", "ConfigMap": "V1ConfigMap", "ServiceAccount": "V1ServiceAccount",
          "ClusterRole": "V1ClusterRole", "ClusterRoleBinding": "V1ClusterRoleBinding"}
api = client.ApiClient()


class Raw:  # what ApiClient.deserialize expects: a response whose .data is the JSON text
    def __init__(self, obj):
        self.data = json.dumps(obj)


def lost_keys(original, round_trip, path=""):
    """Keys of `original` missing from `round_trip`: fields the model does not have."""
    lost = []
    if isinstance(original, dict):
        for k, v in original.items():
            if not isinstance(round_trip, dict) or k not in round_trip:
                lost.append(f"{path}.{k}")
            else:
                lost += lost_keys(v, round_trip[k], f"{path}.{k}")
    elif isinstance(original, list) and isinstance(round_trip, list):
        for i, (a, b) in enumerate(zip(original, round_trip)):
            lost += lost_keys(a, b, f"{path}[{i}]")
    return lost


def validate(doc):
    kind = doc.get("kind")
    if kind not in MODELS:
        failures.append(f"unexpected kind {kind}")
        return
    try:  # the models check required fields and enum values as they are built
        model = api.deserialize(Raw(doc), MODELS[kind])
    except (ValueError, TypeError) as e:
        failures.append(f"{kind} {doc['metadata'].get('name')}: not a valid {MODELS[kind]}: {e}")
        return
    for key in lost_keys(doc, api.sanitize_for_serialization(model)):
        failures.append(f"{kind} {doc['metadata'].get('name')}: unknown field {key}")


def by_kind(docs):
    out = {}
    for d in docs:
        out.setdefault(d["kind"], []).append(d)
    return out


def check_config(text, what, secret_dir=None):
    with tempfile.TemporaryDirectory() as tmp:
        if secret_dir:  # the Secret's mount point, here a file of our own
            (Path(tmp) / "secret").write_text("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\n")
            text = text.replace(secret_dir, tmp)
        path = Path(tmp) / "config.yaml"
        path.write_text(text)
        out = subprocess.run([str(xgslbd), "--check", "--config", str(path)], capture_output=True, text=True)
        check(out.returncode == 0, f"{what}: xgslbd --check refused the rendered config: {out.stdout}{out.stderr}")


lint = subprocess.run([helm, "lint", str(chart), "--set", "xdp.answer={10.0.0.2:53}"], capture_output=True, text=True)
check(lint.returncode == 0, f"helm lint: {lint.stdout}{lint.stderr}")

docs = render()
for d in docs:
    validate(d)
kinds = by_kind(docs)
for kind in MODELS:
    check(len(kinds.get(kind, [])) == 1, f"exactly one {kind}")
if failures:
    sys.exit("helm chart:\n  " + "\n  ".join(failures))
no_answer = subprocess.run([helm, "template", "rel", str(chart)], capture_output=True, text=True)
check(no_answer.returncode != 0 and "xdp.answer" in no_answer.stderr, "rendering without xdp.answer must fail and say why")

# ---- the config -------------------------------------------------------------------------------
config_text = kinds["ConfigMap"][0]["data"]["config.yaml"]
check_config(config_text, "defaults")
static_cm = [d for d in yaml.safe_load_all((src / "deploy/kubernetes/configmap.yaml").read_text()) if d][0]
check_config(static_cm["data"]["config.yaml"], "deploy/kubernetes/configmap.yaml")
config = yaml.safe_load(config_text)
check(config["geoTag"] == "eu" and config["gslb"]["geoTags"] == ["eu", "us"], "clusterGeoTag + extGslbClustersGeoTags")
check(config["zones"][0]["zone"] == config["gslb"]["zone"] == "cloud.example.com", "dnsZone")
check(config["source"]["kubernetes"]["leaderElection"]["namespace"] == "gslb", "the Lease in the release's namespace")

k8gb_values = ["k8gb.dnsZone=gslb.corp.test", "k8gb.edgeDNSZone=corp.test", "k8gb.clusterGeoTag=za",
               "k8gb.extGslbClustersGeoTags=eu\\, us", "k8gb.edgeDNSServers={192.0.2.53,192.0.2.54:5353}",
               "k8gb.log.format=json", "rrl.responsesPerSecond=0", "metrics.enabled=false",
               "edgeUpdate.enabled=true", "edgeUpdate.tsigKeyName=za-key"]
edge = by_kind(render(*k8gb_values))
for kind in edge:
    for d in edge[kind]:
        validate(d)
edge_text = edge["ConfigMap"][0]["data"]["config.yaml"]
check_config(edge_text, "k8gb values + edge updates", secret_dir="/etc/xgslb-tsig")
c = yaml.safe_load(edge_text)
check(c["gslb"] == {"zone": "gslb.corp.test", "edgeZone": "corp.test", "edgeServers": ["192.0.2.53", "192.0.2.54:5353"],
                    "geoTags": ["za", "eu", "us"],
                    "edgeUpdate": {"tsigKey": "za-key", "ttl": 30, "nsAddresses": ["10.0.0.2"]}},
      f"k8gb values in gslb: {c['gslb']}")
check(c["instance"] == "za" and c["logFormat"] == "json" and "metrics" not in c, "instance, log format, metrics off")
check(c["dns"]["tsigKeys"][0]["name"] == "za-key", "the TSIG key")
ds = edge["DaemonSet"][0]["spec"]["template"]["spec"]
check({"name": "tsig", "secret": {"secretName": "xgslb-tsig"}} in ds["volumes"], "edge updates: the TSIG Secret mounted")
check("livenessProbe" not in ds["containers"][0], "metrics off: no HTTP probes")

# ---- RBAC: one set of rules ---------------------------------------------------------------------
def triples(role):
    return {(v, g, r) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]}


static = by_kind(d for d in yaml.safe_load_all((src / "deploy/kubernetes/rbac.yaml").read_text()) if d)
check(triples(kinds["ClusterRole"][0]) == triples(static["ClusterRole"][0]),
      "ClusterRole rules differ from deploy/kubernetes/rbac.yaml")
binding = kinds["ClusterRoleBinding"][0]
check(binding["subjects"] == [{"kind": "ServiceAccount", "name": kinds["ServiceAccount"][0]["metadata"]["name"],
                               "namespace": "gslb"}], "ClusterRoleBinding binds the ServiceAccount")

# ---- the DaemonSet ------------------------------------------------------------------------------
pod = kinds["DaemonSet"][0]["spec"]["template"]["spec"]
container = pod["containers"][0]
check(pod.get("hostNetwork") is True, "hostNetwork")
check(pod.get("serviceAccountName") == kinds["ServiceAccount"][0]["metadata"]["name"], "runs as the ServiceAccount")
check(container["securityContext"].get("privileged") is not True, "not privileged")
check({"name": "bpffs", "hostPath": {"path": "/sys/fs/bpf", "type": "Directory"}} in pod["volumes"], "host bpffs")
check(container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": 9153}, "liveness on /healthz")
check(container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 9153}, "readiness on /readyz")
start = set(json.loads(subprocess.run([str(xgslbd), "--capabilities"], capture_output=True, text=True,
                                      check=True).stdout)["start"].replace("CAP_", "").split())
helm_caps = set(container["securityContext"]["capabilities"]["add"])
check(helm_caps == start, f"chart capabilities {sorted(helm_caps)} != xgslbd --capabilities start {sorted(start)}")
check(container["securityContext"]["capabilities"]["drop"] == ["ALL"], "drop ALL")
static_ds = [d for d in yaml.safe_load_all((src / "deploy/kubernetes/daemonset.yaml").read_text()) if d][0]
static_caps = set(static_ds["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]["add"])
check(static_caps == start, f"deploy/kubernetes capabilities {sorted(static_caps)} != start {sorted(start)}")

if failures:
    sys.exit("helm chart:\n  " + "\n  ".join(failures))
print(f"helm chart: {len(docs)} objects valid as Kubernetes models, config accepted by xgslbd --check "
      f"(defaults and k8gb values + edge updates), RBAC = deploy/kubernetes, capabilities = {sorted(start)}")
