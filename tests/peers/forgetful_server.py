"""A Streamable HTTP server that forgets its sessions when told to, and is slow to open the next
ones: a fault no real peer produces on purpose (a restart that loses every session, then a slow
start).

Usage: python forgetful_server.py PORT [SLOW_SECS]
Every initialize opens a session (`mcp-session-id: s-N`); every initialize after the first takes
SLOW_SECS (default 0) to answer. A request that carries a session the server does not know gets
404; one without a session gets 400, as the Python SDK answers. A session counts as initialized
once its `notifications/initialized` came. ping, tools/list and tools/call `add` are answered as
JSON; GET is 405 (no stream). POST /forget drops every session; GET /stats answers the
initializes, the sessions initialized, and the status of each request by method.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
SLOW = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
LOCK = threading.Lock()
SESSIONS = {}  # id -> initialized?
STATS = {"initialize": 0, "initialized": [], "answered": []}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path == "/forget":
            with LOCK:
                SESSIONS.clear()
            return self.send(200, b"{}", "application/json")
        msg = json.loads(body)
        method = msg.get("method", "")
        session = self.headers.get("mcp-session-id")
        if method == "initialize":
            with LOCK:
                STATS["initialize"] += 1
                n = STATS["initialize"]
                session = f"s-{n}"
                SESSIONS[session] = False
            if n > 1:
                time.sleep(SLOW)
            result = {
                "protocolVersion": "2025-06-18",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "forgetful", "version": "0"},
            }
            return self.reply(msg, result, session)
        with LOCK:
            known = session in SESSIONS
            if known and method == "notifications/initialized":
                SESSIONS[session] = True
                STATS["initialized"].append(session)
            STATS["answered"].append([method, session, 404 if session and not known else 400 if not session else 200])
        if not session:
            return self.send(400, b"Bad Request: Missing session ID")
        if not known:
            return self.send(404, b"Not Found: unknown session")
        if "id" not in msg:
            return self.send(202, b"")
        if method == "tools/list":
            result = {"tools": []}
        elif method == "tools/call":
            args = msg["params"]["arguments"]
            result = {"content": [{"type": "text", "text": str(args["a"] + args["b"])}]}
        else:
            result = {}
        self.reply(msg, result, session)

    def reply(self, msg, result, session):
        data = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}).encode()
        self.send(200, data, "application/json", {"mcp-session-id": session})

    def send(self, status, data, content_type="text/plain", headers=None):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                data = json.dumps(STATS).encode()
            return self.send(200, data, "application/json")
        self.send(405, b"")

    def do_DELETE(self):
        self.send(200, b"")


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
