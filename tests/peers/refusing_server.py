"""An MCP endpoint that refuses every request, the ways real servers do when they want
credentials MCP Tray cannot sign in for, or refuse a client outright.

Usage: refusing_server.py PORT MODE
  403     403 Forbidden, body "forbidden: your IP is blocked" (no challenge)
  none    401 with no WWW-Authenticate, body "API key required: pass X-API-Key"
  basic   401 with `WWW-Authenticate: Basic realm="corp"`, same body
  bearer  401 with `WWW-Authenticate: Bearer realm="api"` but no OAuth anywhere (a server that
          wants a token it hands out itself), body "token required: ask the admin for one"
  bearer-authorize  as bearer, but GET /authorize answers 400 (an authorization endpoint at the
          2025-03-26 default place, without the registration endpoint beside it)
Every other path (OAuth metadata, /register…) is 404. GET /stats gives the paths asked for.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, MODE = int(sys.argv[1]), sys.argv[2]
SEEN = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("content-length", "0") or 0)
        self.rfile.read(length)
        if self.path == "/stats":
            return self.send(200, json.dumps(SEEN).encode(), ())
        SEEN.append(f"{self.command} {self.path}")
        if MODE == "bearer-authorize" and self.path.startswith("/authorize"):
            return self.send(400, b"invalid_request", ())
        if not self.path.startswith("/mcp"):
            return self.send(404, b"not found", ())
        if MODE == "403":
            return self.send(403, b"forbidden: your IP is blocked\nsecond line", ())
        if MODE.startswith("bearer"):
            challenge = [("www-authenticate", 'Bearer realm="api"')]
            return self.send(401, b"token required: ask the admin for one\n", challenge)
        challenge = [("www-authenticate", 'Basic realm="corp"')] if MODE == "basic" else []
        self.send(401, b"API key required: pass X-API-Key\n", challenge)

    def send(self, status, body, headers):
        self.send_response(status)
        self.send_header("content-type", "text/plain")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = answer


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
