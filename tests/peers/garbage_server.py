"""A deliberately broken MCP server: a fault no real peer produces on purpose.

Usage: python garbage_server.py PORT
initialize gets a valid reply; every other request gets `200 application/json` with a body that
is not JSON; notifications get 202. Used to show the bridge still answers every request. POSTs to
/same-origin and /other-origin answer 307 to /mcp on 127.0.0.1 and on localhost; POSTs to
/moved/301, /moved/302 and /moved/303 answer that status to /mcp on the same origin (a GET there
gets 405, as a POST turned into a GET would). /loop/self answers 307 to itself, /loop/a 307 to
/loop/b and /loop/b 307 to /loop/a: redirects in a loop. On /pretty every
request gets a valid reply, pretty-printed over several lines (legal JSON, but stdio needs one).
On /not-utf8 every request gets a valid reply whose text holds bytes that are not UTF-8: tools/call
as a JSON body, tools/list as an event on an SSE body. On /site every POST gets `200 text/html`, a
web site's home page, as a site whose server answers any path with its page does.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        port = self.server.server_address[1]
        if self.path == "/same-origin":
            return self.redirect(f"http://127.0.0.1:{port}/mcp")
        if self.path == "/other-origin":
            return self.redirect(f"http://localhost:{port}/mcp")
        if self.path in ("/loop/self", "/loop/a", "/loop/b"):
            to = {"/loop/self": "/loop/self", "/loop/a": "/loop/b", "/loop/b": "/loop/a"}
            return self.redirect(f"http://127.0.0.1:{port}{to[self.path]}")
        if self.path in ("/moved/301", "/moved/302", "/moved/303"):
            return self.redirect(f"http://127.0.0.1:{port}/mcp", int(self.path[-3:]))
        if self.path == "/site":
            page = b"<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>"
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        msg = json.loads(body)
        if "id" not in msg:
            self.send_response(202)
            self.end_headers()
            return
        if self.path == "/not-utf8":
            return self.not_utf8(msg)
        if self.path == "/pretty":
            result = {"content": [{"type": "text", "text": "two\nlines"}]}
            if msg.get("method") == "initialize":
                result = {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "pretty", "version": "0"},
                }
            reply = {"jsonrpc": "2.0", "id": msg["id"], "result": result}
            data = json.dumps(reply, indent=2).encode()
        elif msg.get("method") == "initialize":
            reply = {
                "jsonrpc": "2.0",
                "id": msg["id"],
                "result": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "garbage", "version": "0"},
                },
            }
            data = json.dumps(reply).encode()
        else:
            data = b"<html><body>502 Bad Gateway (but sent as 200)</body></html>"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def not_utf8(self, msg):
        method = msg.get("method")
        if method == "initialize":
            result = {
                "protocolVersion": "2025-06-18",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "not-utf8", "version": "0"},
            }
            data = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}).encode()
        else:
            # A stray Latin-1 byte and a cut UTF-8 sequence, inside strings.
            text = b'caf\xe9 \xe2\x82 ok'
            if method == "tools/list":
                result = b'{"tools":[{"name":"t\xff","inputSchema":{"type":"object"}}]}'
            else:
                result = b'{"content":[{"type":"text","text":"' + text + b'"}]}'
            data = b'{"jsonrpc":"2.0","id":' + json.dumps(msg["id"]).encode()
            data += b',"result":' + result + b"}"
        content_type = "application/json"
        if method == "tools/list":
            data = b"event: message\ndata: " + data + b"\n\n"
            content_type = "text/event-stream"
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location, status=307):
        self.send_response(status)
        self.send_header("location", location)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self):
        self.send_response(405)
        self.end_headers()

    def do_DELETE(self):
        self.send_response(200)
        self.end_headers()


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
