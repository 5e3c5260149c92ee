"""A server of the official Python SDK 2.x (MCPServer), which speaks the stateless revision of MCP
(2026-07-28) and, at the same URL, the revisions with a handshake.

Usage: python server.py PORT        (Streamable HTTP at http://127.0.0.1:PORT/mcp)

`slow_marked` waits, and writes MARKER when it is cancelled: a client of the stateless revision
cancels a request by closing its stream.

`announce` tells every `subscriptions/listen` stream that the tools changed.

`deploy` marks its `region` argument with `x-mcp-header`: a client of the stateless revision must
repeat it in an `Mcp-Param-Region` header, which the server checks against the body (the bridge
writes it, as it writes `Mcp-Method` and `Mcp-Name`).
"""

import sys
from pathlib import Path
from typing import Annotated

import anyio

from pydantic import Field

from mcp.server.mcpserver import Context, MCPServer

mcp = MCPServer("modern")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


@mcp.tool()
def deploy(
    region: Annotated[str, Field(json_schema_extra={"x-mcp-header": "Region"})],
    service: str,
) -> str:
    """Deploys a service to a region (the region travels in a header too)."""
    return f"{service} deployed to {region}"


@mcp.tool()
async def slow_marked(seconds: float, marker: str) -> str:
    """Waits `seconds`; writes `marker` if the request is cancelled meanwhile."""
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        Path(marker).write_text("cancelled")
        raise
    return "done"


@mcp.tool()
async def announce(ctx: Context) -> str:
    """Tells the listeners that the list of tools changed."""
    await ctx.notify_tools_changed()
    return "announced"


mcp.run(transport="streamable-http", host="127.0.0.1", port=int(sys.argv[1]))
