"""A FastMCP server (official Python SDK) for the bridge tests.

Usage: python fastmcp_server.py streamable-http|streamable-http-json|sse PORT
       python fastmcp_server.py streamable-https PORT CERT KEY
       python fastmcp_server.py sse-moved PORT

sse-moved serves legacy HTTP+SSE at /v2/sse with a relative message endpoint (`messages/?…`,
which resolves to /v2/messages/), and /old/sse answers 307 to /v2/sse: a server that moved.

With MCP_TEST_REQUEST_LOG=FILE set, the SDK's own log of each request it handles ("Processing
request of type PingRequest", …) goes to FILE, one line each: what really reached the server.

Tools exercise what a transparent bridge must carry: plain calls, progress, sampling, elicitation,
roots, logging, slow replies, large replies, and a look at the client's own clientInfo.
"""

import asyncio
import logging
import os
import sys

from pydantic import BaseModel

from mcp.server.fastmcp import Context, FastMCP
from mcp.types import SamplingMessage, TextContent

transport = sys.argv[1] if len(sys.argv) > 1 else "streamable-http"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
mcp = FastMCP("tiny", host="127.0.0.1", port=port, log_level="WARNING")

if request_log := os.environ.get("MCP_TEST_REQUEST_LOG"):
    handled = logging.getLogger("mcp.server.lowlevel.server")
    handled.setLevel(logging.INFO)
    handled.propagate = False
    handled.addHandler(logging.FileHandler(request_log))


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


@mcp.tool()
def delete_everything() -> str:
    """A tool the tests hide with --ignore-tool."""
    return "deleted"


@mcp.tool()
def client_name(ctx: Context) -> str:
    """The clientInfo.name the client sent in initialize, as the server received it."""
    params = ctx.session.client_params
    return params.clientInfo.name if params else "?"


@mcp.tool()
async def slow(seconds: float) -> str:
    """Answers after a pause."""
    await asyncio.sleep(seconds)
    return f"slept {seconds}"


@mcp.tool()
async def slow_marked(seconds: float, marker: str) -> str:
    """Like slow, but writes "cancelled" to `marker` when the client cancels it."""
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        with open(marker, "w") as f:
            f.write("cancelled")
        raise
    return f"slept {seconds}"


@mcp.tool()
def big(size: int) -> str:
    """A reply of `size` bytes of text."""
    return "x" * size


@mcp.tool()
async def count(steps: int, ctx: Context) -> str:
    """Reports progress for each step, logs, then answers."""
    for i in range(steps):
        await ctx.report_progress(i + 1, steps, f"step {i + 1}")
    await ctx.info("counted")
    return f"counted {steps}"


@mcp.tool()
async def ask_llm(prompt: str, ctx: Context) -> str:
    """Sends sampling/createMessage to the client and returns its text."""
    result = await ctx.session.create_message(
        messages=[SamplingMessage(role="user", content=TextContent(type="text", text=prompt))],
        max_tokens=20,
    )
    return result.content.text if isinstance(result.content, TextContent) else "?"


class Answer(BaseModel):
    name: str


@mcp.tool()
async def ask_user(ctx: Context) -> str:
    """Sends elicitation/create to the client."""
    result = await ctx.elicit("What is your name?", schema=Answer)
    return f"{result.action}:{result.data.name if result.action == 'accept' else ''}"


@mcp.tool()
async def roots(ctx: Context) -> str:
    """Asks the client for its roots."""
    result = await ctx.session.list_roots()
    return ",".join(str(r.uri) for r in result.roots)


if __name__ == "__main__":
    if transport == "streamable-https":
        # Streamable HTTP over TLS: python fastmcp_server.py streamable-https PORT CERT KEY
        import uvicorn

        uvicorn.run(
            mcp.streamable_http_app(),
            host="127.0.0.1",
            port=port,
            ssl_certfile=sys.argv[3],
            ssl_keyfile=sys.argv[4],
            log_level="warning",
        )
    elif transport == "sse-moved":
        import uvicorn
        from mcp.server.sse import SseServerTransport
        from starlette.applications import Starlette
        from starlette.responses import RedirectResponse, Response
        from starlette.routing import Mount, Route

        sse = SseServerTransport("/v2/messages/")
        # The SDK always names an absolute path; some servers name one relative to the SSE URL.
        sse._endpoint = "messages/"

        async def handle_sse(request):
            async with sse.connect_sse(request.scope, request.receive, request._send) as (r, w):
                server = mcp._mcp_server
                await server.run(r, w, server.create_initialization_options())
            return Response()

        async def moved(request):
            return RedirectResponse("/v2/sse", status_code=307)

        app = Starlette(
            routes=[
                Route("/v2/sse", endpoint=handle_sse, methods=["GET"]),
                Mount("/v2/messages/", app=sse.handle_post_message),
                Route("/old/sse", endpoint=moved, methods=["GET", "POST"]),
            ]
        )
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    elif transport == "streamable-http-json":
        # Replies as one JSON body, sent whole when the reply is ready: no header leaves before.
        mcp.settings.json_response = True
        mcp.run(transport="streamable-http")
    else:
        mcp.run(transport=transport)
