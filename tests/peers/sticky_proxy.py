"""A load balancer with cookie stickiness, as AWS ALB, nginx `sticky cookie` or Traefik's sticky
sessions put in front of stateful MCP servers: it sends a request that carries its `lb` cookie
to that backend, and any other request to the next backend in turn, answering with
`Set-Cookie: lb=N`. A client that keeps no cookies sees its session id on one backend and its
next request on another, which does not know that session (404).

Usage: python sticky_proxy.py PORT BACKEND_PORT [BACKEND_PORT…]
GET /__stats answers how many requests went to each backend, and how many came without the
cookie (and were balanced).
"""

import http.client
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port = int(sys.argv[1])
backends = [int(p) for p in sys.argv[2:]]
lock = threading.Lock()
turn = [0]
stats = {"backends": [0] * len(backends), "without_cookie": 0}

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "content-length", "host"}


def sticky_backend(cookie_header):
    for part in (cookie_header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "lb" and value.isdigit() and int(value) < len(backends):
            return int(value)
    return None


class Proxy(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def forward(self):
        if self.path == "/__stats":
            body = json.dumps(stats).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        chosen = sticky_backend(self.headers.get("Cookie"))
        with lock:
            if chosen is None:
                stats["without_cookie"] += 1
                backend = turn[0] % len(backends)
                turn[0] += 1
            else:
                backend = chosen
            stats["backends"][backend] += 1
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection("127.0.0.1", backends[backend], timeout=300)
        upstream.request(self.command, self.path, body=body, headers=headers)
        resp = upstream.getresponse()
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        if chosen is None:
            self.send_header("Set-Cookie", f"lb={backend}; Path=/; HttpOnly")
        # HTTP/1.0: the body (an SSE stream too) runs until the connection closes.
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            while chunk := resp.read1(65536):
                self.wfile.write(chunk)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            upstream.close()

    do_GET = do_POST = do_DELETE = forward


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
