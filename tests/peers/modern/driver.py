"""A client of the official Python SDK 2.x over stdio, for `mcp-tray bridge`: it asks in the
stateless revision (2026-07-28) first and starts a session with `initialize` when the server
refuses, as the SDK does by default.

Usage: python driver.py [--legacy] -- COMMAND ARGS...
Prints one JSON object: which way it connected (`discover` or `initialize`), the protocol version,
the tools listed, and the results of `add` and, when listed, `deploy`.
"""

import json
import os
import sys

import anyio

from mcp import Client, StdioServerParameters


def text_of(result):
    return "".join(getattr(c, "text", "") for c in result.content)


async def main(mode, command, args):
    # The whole environment (the SDK passes only a few variables on): MCP_TRAY_HOME among them.
    server = StdioServerParameters(command=command, args=args, env=dict(os.environ))
    out = {}
    async with Client(server, mode=mode) as client:
        session = client.session
        if session.discover_result is not None:
            out["connected"] = "discover"
        else:
            out["connected"] = "initialize"
            out["protocol"] = session.initialize_result.protocol_version
        tools = await client.list_tools()
        out["tools"] = sorted(t.name for t in tools.tools)
        out["add"] = text_of(await client.call_tool("add", {"a": 2, "b": 3}))
        if "deploy" in out["tools"]:
            deployed = await client.call_tool("deploy", {"region": "eu-west ✓", "service": "api"})
            out["deploy"] = text_of(deployed)
            out["deploy_error"] = deployed.is_error
    print(json.dumps(out))


if __name__ == "__main__":
    argv = sys.argv[1:]
    mode = "legacy" if argv and argv[0] == "--legacy" else "auto"
    rest = argv[argv.index("--") + 1 :]
    anyio.run(main, mode, rest[0], rest[1:])
