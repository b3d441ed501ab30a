#!/usr/bin/env python3
"""Writes a manifests directory with N GSLB hosts: Gslbs of 100 hosts each (embedded
spec.ingress), the Ingress k8gb would create for each (with a load-balancer IP), and one healthy
Service + EndpointSlice the hosts share, spread over 10 files.

  make_hosts.py DIR N [yaml|json]     json: each file one List (read without yaml-cpp)
"""
import json
import os
import sys

out, n = sys.argv[1], int(sys.argv[2])
fmt = sys.argv[3] if len(sys.argv) > 3 else "yaml"
per_gslb, files = 100, 10
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "backend.yaml"), "w") as f:
    f.write("""apiVersion: v1
kind: Service
metadata: {name: app, namespace: bench}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: app-1, namespace: bench, labels: {kubernetes.io/service-name: app}}
endpoints: [{addresses: [10.42.0.1], conditions: {ready: true}}]
""")
gslbs = (n + per_gslb - 1) // per_gslb
if fmt == "json":
    lists = [[] for _ in range(files)]
    for g in range(gslbs):
        rules = [{"host": f"h{h}.cloud.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                  "backend": {"service": {"name": "app", "port": {"name": "http"}}}}]}}
                 for h in range(g * per_gslb, min(n, (g + 1) * per_gslb))]
        ip = f"172.{16 + g // 65536 % 16}.{g // 256 % 256}.{g % 256}"
        lists[g % files] += [
            {"apiVersion": "k8gb.absa.oss/v1beta1", "kind": "Gslb", "metadata": {"name": f"g{g}", "namespace": "bench"},
             "spec": {"ingress": {"rules": rules}, "strategy": {"type": "roundRobin", "dnsTtlSeconds": 30}}},
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": f"g{g}", "namespace": "bench"},
             "spec": {}, "status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}]
    for i, items in enumerate(lists):
        with open(os.path.join(out, f"hosts-{i}.json"), "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f)
    sys.exit(0)
handles = [open(os.path.join(out, f"hosts-{i}.yaml"), "w") for i in range(files)]
for g in range(gslbs):
    f = handles[g % files]
    rules = "".join(
        f"    - host: h{h}.cloud.example.com\n"
        f"      http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: app, port: {{name: http}}}}}}}}]}}\n"
        for h in range(g * per_gslb, min(n, (g + 1) * per_gslb)))
    ip = f"172.{16 + g // 65536 % 16}.{g // 256 % 256}.{g % 256}"
    f.write(f"""---
apiVersion: k8gb.absa.oss/v1beta1
kind: Gslb
metadata: {{name: g{g}, namespace: bench}}
spec:
  ingress:
    rules:
{rules.replace("    - host", "    - host")}  strategy: {{type: roundRobin, dnsTtlSeconds: 30}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: g{g}, namespace: bench}}
spec: {{}}
status: {{loadBalancer: {{ingress: [{{ip: {ip}}}]}}}}
""")
for f in handles:
    f.close()
