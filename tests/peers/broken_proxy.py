"""An HTTP proxy that fails the ways corporate proxies do: a fault no real peer produces.

Usage: broken_proxy.py PORT MODE
  close  accepts the connection, reads the request (a forwarded one or a CONNECT), closes
         without an answer
  407    answers 407 Proxy Authentication Required (Proxy-Authenticate: Basic)
  502    answers 502 Bad Gateway with an HTML page, as a proxy that cannot reach the server does
"""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, MODE = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def fail(self):
        length = int(self.headers.get("content-length", "0") or 0)
        if length:
            self.rfile.read(length)
        if MODE == "close":
            self.close_connection = True
            return
        if MODE == "407":
            body = b"Proxy Authentication Required"
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="corp"')
        else:
            body = b"<html><head><title>502 Bad Gateway</title></head><body>squid</body></html>"
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    do_GET = do_POST = do_DELETE = do_CONNECT = fail


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
