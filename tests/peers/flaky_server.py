"""A server whose first answer to each request method is an HTTP error: a fault no real peer
produces on purpose.

Usage: python flaky_server.py PORT STATUS
`initialize` succeeds. Every other request method fails with HTTP STATUS the first time it is
POSTed and succeeds after that; notifications get 202. GET /seen answers how many times each
method was POSTed, so a test can tell whether the bridge sent a request again.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEEN = {}
LOCK = threading.Lock()
STATUS = int(sys.argv[2])


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        msg = json.loads(body)
        method = msg.get("method", "")
        with LOCK:
            SEEN[method] = SEEN.get(method, 0) + 1
            first = SEEN[method] == 1
        if "id" not in msg:
            return self.send(202, b"")
        if method == "initialize":
            result = {
                "protocolVersion": "2025-06-18",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "flaky", "version": "0"},
            }
        elif first:
            return self.send(STATUS, b"the first try fails")
        elif method == "tools/list":
            result = {"tools": []}
        else:
            result = {"content": [{"type": "text", "text": "done"}]}
        reply = {"jsonrpc": "2.0", "id": msg["id"], "result": result}
        self.send(200, json.dumps(reply).encode(), "application/json")

    def send(self, status, data, content_type="text/plain"):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/seen":
            with LOCK:
                data = json.dumps(SEEN).encode()
            return self.send(200, data, "application/json")
        self.send(405, b"")

    def do_DELETE(self):
        self.send(200, b"")


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
