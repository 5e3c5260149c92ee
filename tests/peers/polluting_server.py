"""A FastMCP stdio server that, like many real ones, prints a banner and a stray log line to
stdout before and while serving: the `stdout-pollution` Claude Desktop chokes on.

Usage: python polluting_server.py
"""

import sys

from mcp.server.fastmcp import FastMCP

print("Weather MCP server v1.2 starting... (loaded .env)", flush=True)
mcp = FastMCP("polluter", log_level="WARNING")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers, and logs to stdout by mistake."""
    print(f"DEBUG add called with {a} {b}", flush=True)
    return a + b


if __name__ == "__main__":
    mcp.run(transport="stdio")
