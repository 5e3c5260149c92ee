"""A WebSocket-only endpoint, as a server that speaks MCP over WebSocket (or any WebSocket API)
answers a plain HTTP request: a fault no real MCP peer produces, since MCP has no WebSocket
transport.

Usage: websocket_server.py PORT
Every request (POST, GET, DELETE, any path) is answered `426 Upgrade Required` with
`Upgrade: websocket` and `Connection: Upgrade`, body "Upgrade Required", as websocket servers
(Node's `ws`, Python's `websockets`) answer a request that asks for no upgrade.
"""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("content-length", "0") or 0)
        self.rfile.read(length)
        body = b"Upgrade Required"
        self.send_response(426)
        self.send_header("upgrade", "websocket")
        self.send_header("connection", "Upgrade")
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = answer
    do_POST = answer
    do_DELETE = answer


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
