"""A protected MCP server for the sign-in tests: the Python SDK's FastMCP (real resource server:
401 + WWW-Authenticate, protected resource metadata) whose tokens come from a small local
authorization server in the same process. The authorization server is a stand-in only for the
faults the conformance suite cannot produce: short-lived tokens, revoked tokens, refresh tokens
refused with invalid_grant, denied consent, a slow consent (to overlap two bridges), a slow
refresh and the revocation of every token when a refresh token is used twice (to overlap two
bridges' refreshes), an authorization server without PKCE.

Usage: python auth_server.py AS_PORT MCP_PORT [--expires-in S] [--refresh invalid_grant]
                             [--refresh-delay S] [--reuse-revokes]
                             [--deny] [--authorize-delay S] [--no-pkce] [--client ID] [--cimd]
                             [--tls CERT KEY] [--moved-metadata] [--issuer URL]
                             [--iss-param right|wrong|missing] [--cc-client ID:SECRET]
Control (on AS_PORT): GET /stats (counters, issued tokens, redirect URIs and client ids of the
authorization requests, their whole queries, the `resource` of each authorization and token request), POST /revoke
(every access token stops working), POST /cut (every open event stream ends, as a dropped
connection would; `streams` in /stats counts the streams opened).
"""

import argparse
import asyncio
import base64
import hashlib
import json
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.fastmcp import FastMCP

p = argparse.ArgumentParser()
p.add_argument("as_port", type=int)
p.add_argument("mcp_port", type=int)
p.add_argument("--expires-in", type=int, default=3600)
p.add_argument("--refresh", default="ok")
p.add_argument("--refresh-delay", type=float, default=0.0,
               help="seconds each refresh takes (to overlap two bridges' refreshes)")
p.add_argument("--reuse-revokes", action="store_true",
               help="a refresh token used twice revokes every token (OAuth 2.1's rotation)")
p.add_argument("--deny", action="store_true")
p.add_argument("--authorize-delay", type=float, default=0.0)
p.add_argument("--transport", default="streamable-http", help="or sse (legacy HTTP+SSE at /sse)")
p.add_argument("--reject-all", action="store_true", help="the resource server refuses every token")
p.add_argument("--forget-clients", action="store_true", help="/revoke also forgets registered clients")
p.add_argument("--no-pkce", action="store_true", help="metadata without code_challenge_methods_supported")
p.add_argument("--client", action="append", default=[], help="a pre-registered public client id")
p.add_argument("--cimd", action="store_true", help="advertise client ID metadata document support")
p.add_argument("--moved-metadata", action="store_true",
               help="the metadata URL answers 301 to localhost's with a trailing slash, which "
                    "answers 302 to where the metadata now is (as moved sites do)")
p.add_argument("--cc-client", metavar="ID:SECRET",
               help="a client that gets tokens with the client credentials grant (client_secret_basic)")
p.add_argument("--issuer", help="the metadata names this issuer instead of its own (a mix-up)")
p.add_argument("--iss-param", choices=["right", "wrong", "missing"],
               help="the metadata promises RFC 9207 `iss` in authorization responses, which carry "
                    "this server's issuer (right), another's (wrong) or none (missing)")
p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
               help="both servers speak https with this certificate (a private CA's)")
opts = p.parse_args()

SCHEME = "https" if opts.tls else "http"
ISSUER = f"{SCHEME}://127.0.0.1:{opts.as_port}"
lock = threading.Lock()
stats = {"register": 0, "authorize": 0, "token_code": 0, "token_refresh": 0,
         "refused_refresh": 0, "issued": [], "redirect_uris": [], "resources": [], "scopes": [],
         "token_resources": [], "client_ids": [], "authorize_queries": [],
         "reuse_detected": 0, "streams": 0}
# Bumped by POST /cut: a stream opened before ends.
cuts = [0]
valid_access = set()
valid_refresh = set()
used_refresh = set()
clients = set(opts.client)
codes = {}
counter = [0]


def issue():
    with lock:
        counter[0] += 1
        n = counter[0]
        access, refresh = f"at-SECRET-{n}-{time.time_ns()}", f"rt-SECRET-{n}-{time.time_ns()}"
        valid_access.add(access)
        valid_refresh.add(refresh)
        stats["issued"] += [access, refresh]
    return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
            "expires_in": opts.expires_in, "scope": "mcp"}


class AS(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, status, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def form(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(raw or "{}")
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if opts.moved_metadata and url.path == "/.well-known/oauth-authorization-server":
            moved = f"{SCHEME}://localhost:{opts.as_port}/.well-known/oauth-authorization-server/"
            return self.reply(301, headers={"Location": moved})
        if opts.moved_metadata and url.path == "/.well-known/oauth-authorization-server/":
            return self.reply(302, headers={"Location": "/oauth/metadata.json"})
        if url.path == ("/oauth/metadata.json" if opts.moved_metadata
                        else "/.well-known/oauth-authorization-server"):
            meta = {
                "issuer": opts.issuer or ISSUER, "authorization_endpoint": ISSUER + "/authorize",
                "token_endpoint": ISSUER + "/token", "registration_endpoint": ISSUER + "/register",
                "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "token_endpoint_auth_methods_supported": ["none"], "scopes_supported": ["mcp"]}
            if opts.no_pkce:
                del meta["code_challenge_methods_supported"]
            if opts.cimd:
                meta["client_id_metadata_document_supported"] = True
            if opts.iss_param:
                meta["authorization_response_iss_parameter_supported"] = True
            if opts.cc_client:
                meta["grant_types_supported"].append("client_credentials")
                meta["token_endpoint_auth_methods_supported"].append("client_secret_basic")
            return self.reply(200, meta)
        if url.path == "/stats":
            with lock:
                return self.reply(200, stats)
        if url.path == "/authorize":
            with lock:
                stats["authorize"] += 1
                stats["redirect_uris"].append(q.get("redirect_uri"))
                stats["resources"].append(q.get("resource"))
                stats["scopes"].append(q.get("scope"))
                stats["client_ids"].append(q.get("client_id"))
                stats["authorize_queries"].append(q)
            time.sleep(opts.authorize_delay)
            target = urllib.parse.urlparse(q["redirect_uri"])
            if opts.deny:
                params = {"error": "access_denied", "state": q.get("state", "")}
            else:
                code = f"code-{time.time_ns()}"
                codes[code] = q.get("code_challenge")
                params = {"code": code, "state": q.get("state", "")}
                if opts.iss_param in ("right", "wrong"):
                    params["iss"] = ISSUER if opts.iss_param == "right" else "https://as.evil.example"
            loc = target._replace(query=urllib.parse.urlencode(params)).geturl()
            return self.reply(302, headers={"Location": loc})
        self.reply(404, {"error": "not_found"})

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        body = self.form()
        if url.path == "/register":
            with lock:
                stats["register"] += 1
                clients.add(f"client-{stats['register']}")
            return self.reply(201, {"client_id": f"client-{stats['register']}",
                                    "token_endpoint_auth_method": "none",
                                    "redirect_uris": body.get("redirect_uris", [])})
        if url.path == "/cut":
            with lock:
                cuts[0] += 1
            return self.reply(200, {})
        if url.path == "/revoke":
            with lock:
                valid_access.clear()
                if opts.forget_clients:
                    clients.clear()
            return self.reply(200, {})
        if url.path == "/token":
            grant = body.get("grant_type")
            with lock:
                stats["token_resources"].append([grant, body.get("resource")])
            if grant == "client_credentials":
                basic = self.headers.get("Authorization", "")
                given = (base64.b64decode(basic[6:]).decode() if basic.startswith("Basic ")
                         else None)
                given = given and ":".join(urllib.parse.unquote(p) for p in given.split(":", 1))
                if not opts.cc_client or given != opts.cc_client:
                    return self.reply(401, {"error": "invalid_client"})
                with lock:
                    stats["token_cc"] = stats.get("token_cc", 0) + 1
                tokens = issue()
                del tokens["refresh_token"]
                return self.reply(200, tokens)
            if body.get("client_id") not in clients:
                with lock:
                    stats["unknown_client"] = stats.get("unknown_client", 0) + 1
                return self.reply(401, {"error": "invalid_client"})
            if grant == "authorization_code":
                challenge = codes.pop(body.get("code"), None)
                verifier = body.get("code_verifier", "")
                computed = base64.urlsafe_b64encode(
                    hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
                if challenge is None or computed != challenge:
                    return self.reply(400, {"error": "invalid_grant"})
                with lock:
                    stats["token_code"] += 1
                return self.reply(200, issue())
            if grant == "refresh_token":
                rt = body.get("refresh_token")
                time.sleep(opts.refresh_delay)
                with lock:
                    ok = opts.refresh == "ok" and rt in valid_refresh
                    if ok:
                        valid_refresh.discard(rt)
                        used_refresh.add(rt)
                        stats["token_refresh"] += 1
                    else:
                        stats["refused_refresh"] += 1
                        if opts.reuse_revokes and rt in used_refresh:
                            stats["reuse_detected"] += 1
                            valid_access.clear()
                            valid_refresh.clear()
                if not ok:
                    return self.reply(400, {"error": "invalid_grant"})
                return self.reply(200, issue())
            return self.reply(400, {"error": "unsupported_grant_type"})
        self.reply(404, {"error": "not_found"})


class Verifier(TokenVerifier):
    async def verify_token(self, token):
        with lock:
            ok = token in valid_access and not opts.reject_all
        return AccessToken(token=token, client_id="c", scopes=["mcp"]) if ok else None


as_server = ThreadingHTTPServer(("127.0.0.1", opts.as_port), AS)
if opts.tls:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*opts.tls)
    as_server.socket = context.wrap_socket(as_server.socket, server_side=True)
threading.Thread(target=as_server.serve_forever, daemon=True).start()
path = "sse" if opts.transport == "sse" else "mcp"
mcp = FastMCP("protected", host="127.0.0.1", port=opts.mcp_port, token_verifier=Verifier(),
              auth=AuthSettings(issuer_url=ISSUER,
                                resource_server_url=f"{SCHEME}://127.0.0.1:{opts.mcp_port}/{path}",
                                required_scopes=["mcp"]))


@mcp.tool()
def add(a: int, b: int) -> int:
    return a + b


def cuttable(app):
    """The app, with its event streams (GET responses) ended by POST /cut."""
    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET":
            return await app(scope, receive, send)
        with lock:
            seen = cuts[0]
            stats["streams"] += 1
        serving = asyncio.ensure_future(app(scope, receive, send))
        while not serving.done():
            await asyncio.wait([serving], timeout=0.05)
            if cuts[0] != seen and not serving.done():
                serving.cancel()
                # The response never completes: the server drops the connection.
                await asyncio.gather(serving, return_exceptions=True)
                return
        return serving.result()
    return wrapped


import uvicorn  # noqa: E402

app = cuttable(mcp.sse_app() if opts.transport == "sse" else mcp.streamable_http_app())
tls = {"ssl_certfile": opts.tls[0], "ssl_keyfile": opts.tls[1]} if opts.tls else {}
uvicorn.run(app, host="127.0.0.1", port=opts.mcp_port, log_level="warning", **tls)
