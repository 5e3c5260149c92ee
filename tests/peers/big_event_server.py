"""A server whose replies are SSE events larger than the bridge's limit (9.9 MiB): a fault no real
peer produces on purpose.

Usage: python big_event_server.py PORT SIZE
Streamable HTTP at /mcp: `initialize` is answered as JSON. A `tools/call` of tool `big` is
answered with one SSE event of about SIZE bytes on its POST stream; tool `later` is accepted with
202 and answered with such an event on the GET stream; any other request gets a small reply.
Legacy HTTP+SSE at /sse (messages to /messages): `big` is answered with such an event on the event
stream. The JSON-RPC id comes last in the big events, as the TypeScript SDK writes it.
"""

import json
import queue
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIZE = int(sys.argv[2])
GET_STREAM = queue.Queue()
LEGACY_STREAM = queue.Queue()


def init_result():
    return {
        "protocolVersion": "2025-06-18",
        "capabilities": {"tools": {}},
        "serverInfo": {"name": "big-event", "version": "0"},
    }


def big_event(msg_id):
    text = json.dumps({"result": {"content": [{"type": "text", "text": "x" * SIZE}]},
                       "jsonrpc": "2.0", "id": msg_id})
    return b"event: message\ndata: " + text.encode() + b"\n\n"


def small_event(reply):
    return b"event: message\ndata: " + json.dumps(reply).encode() + b"\n\n"


def reply_to(msg):
    if msg.get("method") == "initialize":
        return {"jsonrpc": "2.0", "id": msg["id"], "result": init_result()}
    text = "small"
    return {"jsonrpc": "2.0", "id": msg["id"],
            "result": {"content": [{"type": "text", "text": text}]}}


def tool_of(msg):
    return (msg.get("params") or {}).get("name")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, data=b"", content_type="application/json"):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self):
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True

    def write_big(self, event):
        for i in range(0, len(event), 1 << 20):
            self.wfile.write(event[i:i + (1 << 20)])
        self.wfile.flush()

    def do_POST(self):
        msg = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
        if self.path.startswith("/messages"):
            self.send(202)
            if "id" in msg and "method" in msg:
                big = msg.get("method") == "tools/call" and tool_of(msg) == "big"
                LEGACY_STREAM.put(big_event(msg["id"]) if big else small_event(reply_to(msg)))
            return
        if "id" not in msg or "method" not in msg:
            return self.send(202)
        if msg.get("method") == "tools/call" and tool_of(msg) == "big":
            self.start_stream()
            return self.write_big(big_event(msg["id"]))
        if msg.get("method") == "tools/call" and tool_of(msg) == "later":
            self.send(202)
            GET_STREAM.put(big_event(msg["id"]))
            return
        self.send(200, json.dumps(reply_to(msg)).encode())

    def do_GET(self):
        if self.path.startswith("/sse"):
            self.start_stream()
            self.wfile.write(b"event: endpoint\ndata: /messages?session=1\n\n")
            self.wfile.flush()
            return self.pump(LEGACY_STREAM)
        if self.path.startswith("/mcp"):
            self.start_stream()
            self.wfile.write(b": open\n\n")
            self.wfile.flush()
            return self.pump(GET_STREAM)
        self.send(404)

    def pump(self, events):
        try:
            while True:
                self.write_big(events.get())
        except OSError:
            pass

    def do_DELETE(self):
        self.send(200)


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
