"""A server whose first answer to each request method is an HTTP error: a fault no real peer
produces on purpose.

Usage: python flaky_server.py PORT STATUS [initialize]
`initialize` succeeds. Every other request method fails with HTTP STATUS the first time it is
POSTed and succeeds after that; notifications get 202. With `retry-after`, the same, that first
failure carrying `Retry-After: 1` (a server that declines a request and says when to come back,
where a bare 503 may be a gateway's that gave up on a request still running). GET /seen answers how many times each
method was POSTed, so a test can tell whether the bridge sent a request again.
With `initialize`, every POST fails with HTTP STATUS and a long HTML error page, as a broken
server behind a proxy answers.
With `outage`, `initialize` succeeds and every request after it fails with HTTP STATUS, every
time, until a GET /up: a server that went down behind its proxy and came back.
With `stall-notifications`, requests succeed and notifications are never answered: a handler
that hangs, or a proxy that holds the POST.
With `get`, requests succeed, and the first GET of the event stream (at /mcp) is answered HTTP
STATUS (with `Retry-After: 2`); later ones get a stream that sends one `notifications/message`
and stays open: a server that allows one stream per session (409) while it still holds the one
that broke, or a rate limit (429). With `get-always`, every GET of the stream is answered STATUS:
a gateway that does not route GETs. /seen counts the GETs as "GET".
With `resume-refused`, requests succeed; the first GET of the stream sends one
`notifications/message` (event id 1) and closes; a GET carrying `Last-Event-ID` is answered HTTP
STATUS (a replica, or an event store, that no longer has that event); a GET without it gets a
stream that sends one `notifications/message` and stays open. /seen counts the refused ones as
"GET-resume".
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEEN = {}
LOCK = threading.Lock()
STATUS = int(sys.argv[2])
ALWAYS = len(sys.argv) > 3 and sys.argv[3] == "initialize"
MODE = sys.argv[3] if len(sys.argv) > 3 else ""
OUTAGE = {"down": MODE == "outage"}
GETS = {"count": 0}
ERROR_PAGE = (
    "<!DOCTYPE html>\n<html>\n<head>\n<title>500 Internal Server Error</title>\n"
    "<style>body { font-family: sans-serif; }</style>\n</head>\n<body>\n"
    "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was "
    "unable to complete your request.</p>\n" + "<!-- padding -->\n" * 200 + "</body>\n</html>\n"
).encode()


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
        if ALWAYS:
            return self.send(STATUS, ERROR_PAGE, "text/html")
        if "id" not in msg:
            if MODE == "stall-notifications":
                time.sleep(600)
            return self.send(202, b"")
        if method == "initialize":
            result = {
                "protocolVersion": "2025-06-18",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "flaky", "version": "0"},
            }
        elif OUTAGE["down"]:
            return self.send(STATUS, b"down for a while")
        elif first and MODE in ("", "retry-after"):
            extra = {"retry-after": "1"} if MODE == "retry-after" else {}
            return self.send(STATUS, b"the first try fails", headers=extra)
        elif method == "tools/list":
            result = {"tools": []}
        else:
            result = {"content": [{"type": "text", "text": "done"}]}
        reply = {"jsonrpc": "2.0", "id": msg["id"], "result": result}
        self.send(200, json.dumps(reply).encode(), "application/json")

    def send(self, status, data, content_type="text/plain", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/up":
            OUTAGE["down"] = False
            return self.send(200, b"up")
        if self.path == "/seen":
            with LOCK:
                data = json.dumps(SEEN).encode()
            return self.send(200, data, "application/json")
        if MODE == "resume-refused" and self.path == "/mcp":
            with LOCK:
                GETS["count"] += 1
                SEEN["GET"] = GETS["count"]
                count = GETS["count"]
                if count > 1 and self.headers.get("last-event-id") is not None:
                    SEEN["GET-resume"] = SEEN.get("GET-resume", 0) + 1
                    refuse = True
                else:
                    refuse = False
            if refuse:
                self.send_response(STATUS)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            note = {
                "jsonrpc": "2.0",
                "method": "notifications/message",
                "params": {"level": "info", "data": f"stream {count}"},
            }
            try:
                self.wfile.write(f"id: 1\ndata: {json.dumps(note)}\n\n".encode())
                self.wfile.flush()
                if count == 1:
                    self.close_connection = True
                    return
                while True:
                    time.sleep(0.5)
                    self.wfile.write(b": keep\n\n")
                    self.wfile.flush()
            except OSError:
                return
        if MODE in ("get", "get-always") and self.path == "/mcp":
            with LOCK:
                GETS["count"] += 1
                SEEN["GET"] = GETS["count"]
                first = GETS["count"] == 1
            if first or MODE == "get-always":
                self.send_response(STATUS)
                self.send_header("retry-after", "2")
                self.send_header("content-length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            note = {
                "jsonrpc": "2.0",
                "method": "notifications/message",
                "params": {"level": "info", "data": f"stream {GETS['count']}"},
            }
            try:
                self.wfile.write(f"data: {json.dumps(note)}\n\n".encode())
                self.wfile.flush()
                while True:
                    time.sleep(0.5)
                    self.wfile.write(b": keep\n\n")
                    self.wfile.flush()
            except OSError:
                return
        self.send(405, b"")

    def do_DELETE(self):
        self.send(200, b"")


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
