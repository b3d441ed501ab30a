#!/usr/bin/env python3
"""The demo's application: answers every GET with the region it runs in, like podinfo's
`ui.message` in the article, so a client can tell which cluster served it.

    region_app.py --region eu --listen 10.80.1.10 --port 80

Plain http.server: the demo needs a real TCP service behind each cluster's ingress address,
nothing more. The body is JSON in podinfo's shape, trimmed, plus `region` for `jq -r .region`.
"""
import argparse
import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def handler_for(region: str, address: str):
    class RegionHandler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            body = json.dumps({"region": region, "message": f"greetings from {region}",
                               "hostname": socket.gethostname(), "address": address,
                               "path": self.path}, indent=1).encode() + b"\n"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):  # one line per request on stderr, for the logs
            print(f"{region} {self.client_address[0]} {fmt % args}", flush=True)

    return RegionHandler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", required=True)
    parser.add_argument("--listen", required=True)
    parser.add_argument("--port", type=int, default=80)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.listen, args.port), handler_for(args.region, args.listen))
    print(f"region_app {args.region} listening on {args.listen}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
