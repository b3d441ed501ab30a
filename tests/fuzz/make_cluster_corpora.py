#!/usr/bin/env python3
"""Writes the seed corpora of the Kubernetes fuzz targets from the repository's own objects:
k8gb's sample Gslbs and the cluster around them (tests/fixtures), the demo's manifests, and the
API double's shapes (list pages with continue tokens, watch events, bookmarks, 410 ERRORs).

  python3 tests/fuzz/make_cluster_corpora.py       (from the source root; rewrites the seeds)
"""
import glob
import json
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests/fuzz/corpus")
SOURCES = sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/k8gb/*.yaml")) +
                 glob.glob(os.path.join(ROOT, "tests/fixtures/controller/*.yaml")) +
                 glob.glob(os.path.join(ROOT, "tools/demo/manifests/*/*.yaml")) +
                 glob.glob(os.path.join(ROOT, "tests/kube/objects/*.yaml")))


def objects(path):
    out = []
    with open(path) as f:
        for doc in yaml.safe_load_all(f):
            if isinstance(doc, dict):
                out.extend(doc.get("items", []) if doc.get("kind") == "List" else [doc])
    return out


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "w") as f:
        f.write(data)


def main():
    all_objects = []
    for path in SOURCES:
        rel = os.path.relpath(path, ROOT).replace("/", "_").removesuffix(".yaml")
        objs = objects(path)
        for i, o in enumerate(objs):
            o.setdefault("metadata", {}).setdefault("resourceVersion", str(100 + len(all_objects) + i))
        all_objects.extend(objs)
        with open(path) as f:
            write("manifests", rel + ".yaml", f.read())
        write("manifests", rel + ".json", json.dumps({"apiVersion": "v1", "kind": "List", "items": objs}, indent=1))
        write("controller", rel + ".json", json.dumps({"kind": "List", "items": objs}))

    # The controller over whole clusters: fixtures together, each demo cluster.
    fixtures = [o for p in SOURCES if "/tests/fixtures/" in p for o in objects(p)]
    write("controller", "fixtures_cluster.json", json.dumps(fixtures))
    for tag in ("eu", "us"):
        cluster = [o for p in SOURCES if f"/manifests/{tag}/" in p for o in objects(p)]
        write("controller", f"demo_{tag}.json", json.dumps({"kind": "List", "items": cluster}))

    # List responses as the API double (and the real server) sends them.
    by_kind = {}
    for o in all_objects:
        by_kind.setdefault(o.get("kind", ""), []).append(o)
    for kind, objs in by_kind.items():
        write("kube_json", f"list_{kind}.json", json.dumps(
            {"kind": kind + "List", "apiVersion": objs[0].get("apiVersion", "v1"),
             "metadata": {"resourceVersion": "200"}, "items": objs}))
    write("kube_json", "list_page_continue.json", json.dumps(
        {"kind": "GslbList", "apiVersion": "k8gb.absa.oss/v1beta1",
         "metadata": {"resourceVersion": "201", "continue": "0f3c:1", "remainingItemCount": 1},
         "items": by_kind.get("Gslb", [])[:1]}))
    write("kube_json", "list_empty.json", '{"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":null}')
    # Watch streams: one event per line.
    events = [{"type": "ADDED", "object": o} for o in all_objects[:4]]
    events.append({"type": "MODIFIED", "object": all_objects[0]})
    events.append({"type": "BOOKMARK", "object": {"kind": "Gslb", "apiVersion": "k8gb.absa.oss/v1beta1",
                                                  "metadata": {"resourceVersion": "300"}}})
    events.append({"type": "DELETED", "object": all_objects[1]})
    write("kube_json", "watch_stream.jsonl", "".join(json.dumps(e) + "\n" for e in events))
    write("kube_json", "watch_gone.jsonl", json.dumps({"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "too old resource version: 5 (40)", "reason": "Expired", "code": 410}}) + "\n")
    write("kube_json", "watch_error.jsonl", json.dumps({"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "internal error", "reason": "InternalError", "code": 500}}) + "\n")


if __name__ == "__main__":
    main()
