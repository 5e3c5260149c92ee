"""A Streamable HTTP server that dies in the middle of a JSON reply: the fault of a server killed
while it writes its answer, made on purpose (a real server killed mid-call is either still
working, or already done).

Usage: cut_reply_server.py PORT
At /mcp: `initialize` is answered as JSON (no session), notifications with 202, and any other
request with `200 application/json`, a Content-Length of the whole reply, and only its first
bytes before the connection is closed.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        msg = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
        if "id" not in msg:
            self.send_response(202)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        if msg.get("method") == "initialize":
            result = {
                "protocolVersion": "2025-06-18",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "cut-reply", "version": "0"},
            }
        else:
            result = {"content": [{"type": "text", "text": "x" * 4096}]}
        body = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if msg.get("method") == "initialize":
            self.wfile.write(body)
            return
        self.wfile.write(body[:100])
        self.wfile.flush()
        self.close_connection = True

    def do_GET(self):
        self.send_response(405)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_DELETE(self):
        self.do_GET()


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
