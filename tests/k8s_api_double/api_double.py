#!/usr/bin/env python3
"""A Kubernetes API-server test double: enough of the real semantics for xgslb's client.

* HTTPS only (the test's CA and server certificate), a bearer token on every request (401 else).
* One global resourceVersion counter, like etcd; every write gets the next value.
* List with limit/continue (pages of one consistent snapshot), watch with resourceVersion and
  allowWatchBookmarks: a chunked stream, one JSON event per line. A resourceVersion older than
  the bounded event history gets an ERROR event with code 410 (what the real server sends).
* PUT on an object ignores .status; PUT on /status changes only .status; 409 Conflict on a
  stale metadata.resourceVersion; POST generates uid, resourceVersion, creationTimestamp.
* Faults and scripted changes through /_control/* (same token): apply, delete, objects,
  requests (the RBAC verb of every API request served), fault {drop_watches, fail_next,
  fail_code, stall_seconds, compact, watch_410_next, conflict_next, shutdown}.

Usage: api_double.py --cert C --key K --token T --port-file F [--objects DIR]...
"""
import argparse
import base64
import datetime
import json
import os
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import yaml

# kind -> (group, version, plural). All namespaced.
KINDS = {
    "Gslb": ("k8gb.absa.oss", "v1beta1", "gslbs"),
    "Ingress": ("networking.k8s.io", "v1", "ingresses"),
    "Service": ("", "v1", "services"),
    "EndpointSlice": ("discovery.k8s.io", "v1", "endpointslices"),
    "Lease": ("coordination.k8s.io", "v1", "leases"),
}
PLURALS = {(g, v, p): k for k, (g, v, p) in KINDS.items()}


def api_version(kind):
    group, version, _ = KINDS[kind]
    return f"{group}/{version}" if group else version


def status_body(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


class Store:
    """Objects, the global resourceVersion and the bounded event history, under one lock."""

    def __init__(self, history):
        self.cond = threading.Condition()
        self.rv = 0
        self.objects = {}          # (kind, ns, name) -> object
        self.events = []           # (rv, kind, type, object), oldest first
        self.history = history
        self.oldest_rv = 0         # watches from below this are too old (410)
        self.snapshots = {}        # continue token id -> (rv, [objects])
        self.generation = 0        # bumped to drop every open watch stream

    def _record(self, kind, etype, obj):
        self.events.append((self.rv, kind, etype, json.loads(json.dumps(obj))))
        while len(self.events) > self.history:
            dropped = self.events.pop(0)
            self.oldest_rv = dropped[0]
        self.cond.notify_all()

    def compact(self):
        with self.cond:
            self.events.clear()
            self.oldest_rv = self.rv
            self.snapshots.clear()
            self.cond.notify_all()

    def put(self, kind, obj, *, create, subresource=None, check_rv=True, keep_status=True):
        """Creates or updates; returns (code, body)."""
        meta = obj.setdefault("metadata", {})
        key = (kind, meta.get("namespace", ""), meta.get("name", ""))
        with self.cond:
            old = self.objects.get(key)
            if create:
                if old is not None:
                    return 409, status_body(409, "AlreadyExists", f'{kind} "{key[2]}" already exists')
                new = json.loads(json.dumps(obj))
                if keep_status:
                    new.pop("status", None)  # POST ignores .status where /status is a subresource
                m = new["metadata"]
                m["uid"] = str(uuid.uuid4())
                m["creationTimestamp"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                m["generation"] = 1
                new["apiVersion"] = api_version(kind)
                new["kind"] = kind
                etype = "ADDED"
            else:
                if old is None:
                    return 404, status_body(404, "NotFound", f'{kind} "{key[2]}" not found')
                sent_rv = meta.get("resourceVersion", "")
                if check_rv and sent_rv and sent_rv != old["metadata"]["resourceVersion"]:
                    return 409, status_body(409, "Conflict", f'Operation cannot be fulfilled on {KINDS[kind][2]} "{key[2]}": the object has been modified; please apply your changes to the latest version and try again')
                new = json.loads(json.dumps(old))
                if subresource == "status":
                    if "status" in obj:
                        new["status"] = obj["status"]
                    else:
                        new.pop("status", None)
                else:
                    for field, value in obj.items():
                        if field in ("metadata", "status") and keep_status:
                            continue
                        new[field] = value
                    for field in ("labels", "annotations", "ownerReferences"):
                        if field in meta:
                            new["metadata"][field] = meta[field]
                    if not keep_status and "status" in obj:
                        new["status"] = obj["status"]
                    if new.get("spec") != old.get("spec"):
                        new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
                etype = "MODIFIED"
            self.rv += 1
            new["metadata"]["resourceVersion"] = str(self.rv)
            self.objects[key] = new
            self._record(kind, etype, new)
            return (201 if create else 200), new

    def touch(self, kind, ns, name):
        """Another writer's update: a new resourceVersion, nothing else changed."""
        with self.cond:
            obj = self.objects.get((kind, ns, name))
            if obj is not None:
                self.rv += 1
                obj["metadata"]["resourceVersion"] = str(self.rv)
                self._record(kind, "MODIFIED", obj)

    def delete(self, kind, ns, name):
        with self.cond:
            old = self.objects.pop((kind, ns, name), None)
            if old is None:
                return 404, status_body(404, "NotFound", f'{kind} "{name}" not found')
            self.rv += 1
            old = json.loads(json.dumps(old))
            old["metadata"]["resourceVersion"] = str(self.rv)
            self._record(kind, "DELETED", old)
            return 200, old

    def list_of(self, kind, ns):
        return [json.loads(json.dumps(o)) for (k, n, _), o in sorted(self.objects.items())
                if k == kind and (not ns or n == ns)]


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.fail_next = 0
        self.fail_code = 500
        self.stall_until = 0.0
        self.watch_410_next = 0
        self.conflict_next = 0

    def take(self, counter):
        """Counts one use of a fault armed for the next N requests; whether it applies."""
        with self.lock:
            if getattr(self, counter) > 0:
                setattr(self, counter, getattr(self, counter) - 1)
                return True
            return False

    def take_failure(self):
        return self.fail_code if self.take("fail_next") else 0

    def wait_stall(self):
        while time.monotonic() < self.stall_until:
            time.sleep(0.05)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "k8s-api-double"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("api_double: " + (fmt % args) + "\n")

    # ---- plumbing
    def send_json(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def authorized(self):
        if self.headers.get("Authorization", "") == f"Bearer {self.server.token}":
            return True
        self.send_json(401, status_body(401, "Unauthorized", "Unauthorized"))
        return False

    def do_GET(self):
        self.dispatch("GET")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        try:
            if not self.authorized():
                return
            url = urlparse(self.path)
            if url.path.startswith("/_control/"):
                return self.control(method, url.path[len("/_control/"):])
            faults = self.server.faults
            faults.wait_stall()
            code = faults.take_failure()
            if code:
                return self.send_json(code, status_body(code, "InternalError", "injected failure"))
            self.api(method, url.path, parse_qs(url.query))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    # ---- the API
    def parse_path(self, path):
        """/api/v1/... or /apis/G/V/... [namespaces/NS/] PLURAL [/NAME [/status]]"""
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["api"] and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        ns = ""
        if len(rest) >= 2 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        if not rest or (group, version, rest[0]) not in PLURALS:
            return None
        kind = PLURALS[(group, version, rest[0])]
        name = rest[1] if len(rest) >= 2 else ""
        sub = rest[2] if len(rest) >= 3 else ""
        if len(rest) > 3 or sub not in ("", "status"):
            return None
        return kind, ns, name, sub

    def record(self, verb, kind, sub):
        resource = KINDS[kind][2] + ("/" + sub if sub else "")
        with self.server.requests_lock:
            self.server.requests.append({"verb": verb, "group": KINDS[kind][0], "resource": resource})

    def api(self, method, path, query):
        parsed = self.parse_path(path)
        if parsed is None:
            return self.send_json(404, status_body(404, "NotFound", f"the server could not find the requested resource ({path})"))
        kind, ns, name, sub = parsed
        store = self.server.store
        if method == "GET" and not name:
            watch = query.get("watch", [""])[0] in ("true", "1")
            self.record("watch" if watch else "list", kind, sub)
            return self.watch(kind, ns, query) if watch else self.list(kind, ns, query)
        if method == "GET":
            self.record("get", kind, sub)
            with store.cond:
                obj = store.objects.get((kind, ns, name))
                obj = json.loads(json.dumps(obj)) if obj else None
            if obj is None:
                return self.send_json(404, status_body(404, "NotFound", f'{kind} "{name}" not found'))
            return self.send_json(200, obj)
        if method == "POST" and not name and not sub:
            self.record("create", kind, sub)
            body = self.read_body()
            body.setdefault("metadata", {})["namespace"] = ns
            if not body["metadata"].get("name"):
                return self.send_json(422, status_body(422, "Invalid", "metadata.name: Required value"))
            return self.send_json(*store.put(kind, body, create=True))
        if method == "PUT" and name:
            self.record("update", kind, sub)
            body = self.read_body()
            meta = body.setdefault("metadata", {})
            if meta.get("name", name) != name or meta.get("namespace", ns) != ns:
                return self.send_json(400, status_body(400, "BadRequest", "the name of the object does not match the name on the URL"))
            meta["name"], meta["namespace"] = name, ns
            if sub == "status" and self.server.faults.take("conflict_next"):  # another writer got there first
                store.touch(kind, ns, name)
            return self.send_json(*store.put(kind, body, create=False, subresource=sub or None))
        if method == "DELETE" and name and not sub:
            self.record("delete", kind, sub)
            return self.send_json(*store.delete(kind, ns, name))
        return self.send_json(405, status_body(405, "MethodNotAllowed", f"{method} not allowed on {path}"))

    def list(self, kind, ns, query):
        store = self.server.store
        limit = int(query.get("limit", ["0"])[0] or 0)
        token = query.get("continue", [""])[0]
        with store.cond:
            if token:
                snap = store.snapshots.get(token.split(":")[0])
                if snap is None:
                    return self.send_json(410, status_body(410, "Expired", "The provided continue parameter is too old to display a consistent list result."))
                rv, items = snap
                start = int(token.split(":")[1])
            else:
                rv, items, start = store.rv, store.list_of(kind, ns), 0
        end = len(items) if limit <= 0 else min(len(items), start + limit)
        meta = {"resourceVersion": str(rv)}
        if end < len(items):
            snap_id = token.split(":")[0] if token else uuid.uuid4().hex
            with store.cond:
                store.snapshots[snap_id] = (rv, items)
            meta["continue"] = f"{snap_id}:{end}"
            meta["remainingItemCount"] = len(items) - end
        g, v, _ = KINDS[kind]
        self.send_json(200, {"kind": kind + "List", "apiVersion": f"{g}/{v}" if g else v,
                             "metadata": meta, "items": items[start:end]})

    def write_chunk(self, body):
        data = (json.dumps(body) + "\n").encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def watch(self, kind, ns, query):
        store, faults = self.server.store, self.server.faults
        rv_param = query.get("resourceVersion", [""])[0]
        bookmarks = query.get("allowWatchBookmarks", [""])[0] == "true"
        timeout = float(query.get("timeoutSeconds", ["0"])[0] or 0)
        if faults.take("watch_410_next"):
            return self.send_json(410, status_body(410, "Expired", "too old resource version (injected)"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        deadline = time.monotonic() + timeout if timeout > 0 else None
        with store.cond:
            generation = store.generation
            if rv_param in ("", "0"):
                # "Start at most recent": synthetic ADDED for what exists, then changes.
                pending = [{"type": "ADDED", "object": o} for o in store.list_of(kind, ns)]
                last = store.rv
            else:
                last = int(rv_param)
                if last < store.oldest_rv:
                    pending = [{"type": "ERROR", "object": status_body(410, "Expired", f"too old resource version: {last} ({store.oldest_rv})")}]
                    last = None
                else:
                    pending = []
        next_bookmark = time.monotonic() + self.server.bookmark_interval
        try:
            while True:
                for event in pending:
                    faults.wait_stall()
                    self.write_chunk(event)
                if last is None:
                    break
                with store.cond:
                    while True:
                        if store.generation != generation:
                            return self.close_stream()
                        fresh = [(r, e, o) for (r, k, e, o) in store.events
                                 if k == kind and r > last and (not ns or o["metadata"].get("namespace") == ns)]
                        now = time.monotonic()
                        if fresh or last < store.oldest_rv or (deadline and now >= deadline) or (bookmarks and now >= next_bookmark):
                            break
                        store.cond.wait(0.1)
                    current = store.rv
                    compacted = last < store.oldest_rv
                if compacted:  # events this stream had not sent yet are gone
                    pending, last = [{"type": "ERROR", "object": status_body(410, "Expired", "too old resource version")}], None
                    continue
                pending = [{"type": e, "object": o} for (_, e, o) in fresh]
                if fresh:
                    last = fresh[-1][0]
                elif bookmarks and time.monotonic() >= next_bookmark:
                    g, v, _ = KINDS[kind]
                    pending = [{"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": f"{g}/{v}" if g else v,
                                                               "metadata": {"resourceVersion": str(current)}}}]
                    last = current
                    next_bookmark = time.monotonic() + self.server.bookmark_interval
                if deadline and time.monotonic() >= deadline and not pending:
                    break
            self.close_stream()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass

    def close_stream(self):
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True

    # ---- the control endpoint: scripted changes and faults
    def control(self, method, what):
        store, faults = self.server.store, self.server.faults
        if what == "objects" and method == "GET":
            with store.cond:
                objs = [json.loads(json.dumps(o)) for o in store.objects.values()]
                rv = store.rv
            return self.send_json(200, {"resourceVersion": str(rv), "items": objs})
        if what == "requests" and method == "GET":
            with self.server.requests_lock:
                return self.send_json(200, list(self.server.requests))
        body = self.read_body()
        if what == "apply" and method == "POST":
            kind = body.get("kind")
            if kind not in KINDS:
                return self.send_json(400, status_body(400, "BadRequest", f"unknown kind {kind}"))
            return self.send_json(*apply(store, body))
        if what == "delete" and method == "POST":
            return self.send_json(*store.delete(body["kind"], body["namespace"], body["name"]))
        if what == "fault" and method == "POST":
            with faults.lock:
                faults.fail_next = int(body.get("fail_next", faults.fail_next))
                faults.fail_code = int(body.get("fail_code", faults.fail_code))
                faults.watch_410_next = int(body.get("watch_410_next", faults.watch_410_next))
                faults.conflict_next = int(body.get("conflict_next", faults.conflict_next))
                if "stall_seconds" in body:
                    faults.stall_until = time.monotonic() + float(body["stall_seconds"])
            if body.get("compact"):
                store.compact()
            if body.get("drop_watches"):
                with store.cond:
                    store.generation += 1
                    store.cond.notify_all()
            self.send_json(200, {"ok": True})
            if body.get("shutdown"):
                threading.Thread(target=self.server.shutdown, daemon=True).start()
            return None
        return self.send_json(404, status_body(404, "NotFound", what))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that refuses our certificate (the wrong-CA test) ends the handshake: expected.
        if isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def apply(store, obj):
    """What `kubectl apply` would do, status included (tests script an Ingress' status too)."""
    kind = obj["kind"]
    meta = obj.setdefault("metadata", {})
    meta.setdefault("namespace", "default")
    key = (kind, meta["namespace"], meta["name"])
    exists = key in store.objects
    code, body = store.put(kind, obj, create=not exists, check_rv=False, keep_status=False)
    return code, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--port-file", required=True, help="the chosen ephemeral port is written here")
    ap.add_argument("--port", type=int, default=0,
                    help="a fixed port (0: ephemeral); a test that restarts the server needs the same one")
    ap.add_argument("--objects", action="append", default=[], help="a YAML file or directory to load")
    ap.add_argument("--history", type=int, default=1000, help="events kept for watches")
    ap.add_argument("--bookmark-interval", type=float, default=1.0)
    ap.add_argument("--start-resource-version", type=int, default=0,
                    help="where the counter starts: a restarted server keeps counting up (etcd keeps "
                         "it), and watches from before the restart are too old (410)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    store = Store(args.history)
    store.rv = store.oldest_rv = args.start_resource_version
    for source in args.objects:
        files = sorted(os.path.join(source, f) for f in os.listdir(source)) if os.path.isdir(source) else [source]
        for f in files:
            if f.endswith((".yaml", ".yml")):
                with open(f) as fh:
                    for doc in yaml.safe_load_all(fh):
                        if doc and doc.get("kind") in KINDS:
                            code, body = apply(store, doc)
                            if code >= 300:
                                sys.exit(f"api_double: {f}: {body['message']}")

    server = Server(("127.0.0.1", args.port), Handler)
    server.store, server.faults, server.token = store, Faults(), args.token
    server.requests, server.requests_lock = [], threading.Lock()
    server.bookmark_interval, server.verbose = args.bookmark_interval, args.verbose
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    # The handshake runs in the request's thread, so a client that fails it stalls no one else.
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    server.serve_forever(poll_interval=0.1)
    server.server_close()


if __name__ == "__main__":
    main()
